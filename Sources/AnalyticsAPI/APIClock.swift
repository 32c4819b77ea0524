import Foundation

/// Time as the API experiences it, in seconds from an arbitrary origin.
///
/// Every wait of the client, the scheduler and the executor is in API seconds. Against the real API one API second
/// is one real second (`ScaledClock(scale: 1)`); against the simulator the clock runs at the simulator's speed, and
/// in tests a `ManualAPIClock` moves only when told to. This is the one place where a time scale is applied.
public protocol APIClock: Sendable {
    /// API seconds since the clock's origin.
    func now() -> Double
    /// Suspends until `now() >= deadline`, or throws `CancellationError`.
    func sleep(until deadline: Double) async throws
    /// How many real seconds `apiSeconds` last at this clock's pace, for what is told to a process on another clock
    /// (the coordinator's leases, a shared backoff); nil for a clock with no real-time pace (`ManualAPIClock`).
    func realSeconds(_ apiSeconds: Double) -> Double?
}

extension APIClock {
    public func realSeconds(_ apiSeconds: Double) -> Double? { nil }

    /// Suspends for `seconds` API seconds.
    public func sleep(for seconds: Double) async throws {
        try await sleep(until: now() + max(0, seconds))
    }
}

/// Real time, multiplied by `scale` (API seconds per real second: 1 against the real API).
public struct ScaledClock: APIClock {
    public let scale: Double
    private let origin: ContinuousClock.Instant

    public init(scale: Double = 1) {
        precondition(scale > 0, "a clock's scale must be positive")
        self.scale = scale
        origin = ContinuousClock.now
    }

    public func now() -> Double {
        let elapsed = ContinuousClock.now - origin
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        return seconds * scale
    }

    public func realSeconds(_ apiSeconds: Double) -> Double? { apiSeconds / scale }

    public func sleep(until deadline: Double) async throws {
        while true {
            let real = (deadline - now()) / scale
            if real <= 0 { return }
            try await Task.sleep(nanoseconds: UInt64(min(real, 3_600) * 1e9) + 1)
        }
    }
}

/// A clock that moves only through `advance(by:)`: tests of time-dependent code without real waiting.
public final class ManualAPIClock: APIClock, @unchecked Sendable {
    private let lock = NSLock()
    private var current: Double
    private var sleepers: [(deadline: Double, continuation: CheckedContinuation<Void, Never>)] = []

    public init(start: Double = 0) { current = start }

    public func now() -> Double { lock.withLock { current } }

    public func sleep(until deadline: Double) async throws {
        try Task.checkCancellation()
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let ready: Bool = lock.withLock {
                if deadline <= current { return true }
                sleepers.append((deadline, continuation))
                return false
            }
            if ready { continuation.resume() }
        }
        try Task.checkCancellation()
    }

    /// Moves time forward and wakes every sleeper whose deadline has come.
    public func advance(by seconds: Double) {
        let woken: [CheckedContinuation<Void, Never>] = lock.withLock {
            current += max(0, seconds)
            let due = sleepers.filter { $0.deadline <= current }
            sleepers.removeAll { $0.deadline <= current }
            return due.map(\.continuation)
        }
        for continuation in woken { continuation.resume() }
    }
}

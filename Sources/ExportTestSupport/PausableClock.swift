import AnalyticsSimulator
import Foundation

/// Real seconds for a simulator's API clock that a test can stop and start: while paused, no job at the server
/// runs on, however long the machine takes to reach the point the test waits for.
public final class PausableClock: @unchecked Sendable {
    private let lock = NSLock()
    /// Seconds counted before the current stretch of running.
    private var banked: Double = 0
    /// When the current stretch began; nil while paused.
    private var since: ContinuousClock.Instant?

    /// - Parameter paused: stand at zero until `resume`.
    public init(paused: Bool = false) {
        since = paused ? nil : ContinuousClock.now
    }

    /// The seconds counted so far.
    public var elapsed: Double {
        lock.withLock { banked + (since.map { Self.seconds(ContinuousClock.now - $0) } ?? 0) }
    }

    /// The clock for a `SimulatorConfiguration`.
    public var simulatorClock: SimulatorClock { SimulatorClock { [self] in elapsed } }

    /// Stops counting (nothing when already paused).
    public func pause() {
        lock.withLock {
            guard let started = since else { return }
            banked += Self.seconds(ContinuousClock.now - started)
            since = nil
        }
    }

    /// Counts again, from `seconds` when given (a jump ahead: jobs at the server end at once), else from where it
    /// stopped.
    public func resume(from seconds: Double? = nil) {
        lock.withLock {
            if let seconds { banked = seconds }
            since = ContinuousClock.now
        }
    }

    private static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) * 1e-18
    }
}

import AnalyticsAPI
import Foundation

/// What a status poll of an orphan's job found.
public enum OrphanProbeResult: Sendable, Equatable {
    /// CLOSED (completed, failed or rejected), or gone (404/410): the slots may be freed.
    case closed
    /// Still RUNNING, or the poll failed: ask again later.
    case running
}

/// The holder's side of the lease protocol, for the executor's driver: renews this process's leases and follows the
/// orphans of dead runners through a probe the caller provides.
///
/// `tick()` is one round (renew what is due, probe the orphans handed to us); `run()` repeats it every
/// `renewEvery` until cancelled. Renewal failures other than a lost lease are retried next round (the lease has two
/// more thirds of its life); a lost lease is reported through `lost` so the driver stops treating it as held.
public actor LeaseKeeper {
    private let coordinator: any Coordinator
    private let timing: CoordinationTiming
    private let probe: @Sendable (SubmittedJob) async -> OrphanProbeResult
    private let lost: @Sendable (Lease) async -> Void
    private var held: [LeaseID: Lease] = [:]
    private var scopes: Set<SlotScope> = []

    /// - Parameters:
    ///   - probe: polls a job's `statusURL` (with the job's own token, no account credentials needed) and says
    ///     whether it is CLOSED. Never log the URL unredacted.
    ///   - lost: called when a held lease turns out to have been freed.
    public init(
        coordinator: any Coordinator, timing: CoordinationTiming,
        probe: @escaping @Sendable (SubmittedJob) async -> OrphanProbeResult,
        lost: @escaping @Sendable (Lease) async -> Void = { _ in }
    ) {
        self.coordinator = coordinator
        self.timing = timing
        self.probe = probe
        self.lost = lost
    }

    /// Keeps `lease` renewed until `forget(_:)`; its scope's orphans are followed from now on.
    public func keep(_ lease: Lease) {
        held[lease.id] = lease
        scopes.insert(lease.scope)
    }

    /// Follows the orphans of `scope` even while this process holds nothing there.
    public func watch(_ scope: SlotScope) {
        scopes.insert(scope)
    }

    /// Stops renewing `lease` (it was released).
    public func forget(_ lease: Lease) {
        held[lease.id] = nil
    }

    /// The leases being kept.
    public var leases: [Lease] { Array(held.values) }

    /// One round: renews every kept lease, then probes the orphans handed to this process; returns how many
    /// orphans were freed.
    @discardableResult
    public func tick() async -> Int {
        for lease in held.values {
            do {
                held[lease.id] = try await coordinator.renew(lease)
            } catch let error as CoordinationError where error.isLeaseLost {
                held[lease.id] = nil
                await lost(lease)
            } catch {
                continue  // the store is unreachable for now; the lease has time left
            }
        }
        var freed = 0
        for scope in scopes {
            guard let orphans = try? await coordinator.orphansDue(in: scope) else { continue }
            for orphan in orphans where await probe(orphan.job) == .closed {
                if (try? await coordinator.orphanClosed(orphan)) != nil { freed += 1 }
            }
        }
        return freed
    }

    /// Runs `tick()` every `renewEvery` until the task is cancelled.
    public func run() async {
        while !Task.isCancelled {
            await tick()
            try? await Task.sleep(nanoseconds: UInt64(max(0.01, timing.renewEvery) * 1e9))
        }
    }
}

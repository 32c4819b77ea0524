import AnalyticsAPI
import AnalyticsSimulator
import ExportCoordination
import ExportExecutor
import ExportRun
import ExportSpec
import ExportTestSupport
import Foundation
import Testing

/// A run resumed after its predecessor was killed takes back the company's slots that run left, over loopback
/// against the simulator and a coordinator shared by both runs (the embedded store's rules, in memory).
@Suite("Executor resuming a killed run's leases")
struct ResumedLeaseTests {
    static let scale = 10_000.0
    static let now = Date(timeIntervalSince1970: 1_741_000_000)

    /// The reliability suite's hang (CI, kill -9 during polling): the killed run's store held a lease whose job its
    /// journal did not know as in flight (the chunk journaled `submitting` again; a lease whose release was lost
    /// with the process looks the same), beside the lease of a job the journal knows. With two slots per user both
    /// were taken, and the rerun, acquiring a slot for its unanswered submit before it adopted anything and before
    /// its keeper probed any orphan, waited for ever. Now the earlier run's job leases are orphans at once, the
    /// known job is adopted first, and the keeper frees the other as soon as it sees the job CLOSED.
    /// (Without the fix this test hangs: the time limit makes that a failure. It is generous because the whole suite
    /// on two cores stretches a test of two seconds to a minute.)
    @Test(.timeLimit(.minutes(5)))
    func aRerunTakesBackTheSlotsOfTheRunItFollowsInsteadOfWaitingForThem() async throws {
        let directory = try PipelineHarness.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var spec = SpecBuilders.spec(
            window: SpecBuilders.window(from: SpecBuilders.date(2025, 2, 1), to: SpecBuilders.date(2025, 2, 5)),
            exports: [SpecBuilders.export("posts", .incomingPost, chunk: .fixed(CalendarDuration(1, .day)))])
        spec.run.outstandingPerUser = 2
        let pipeline = spec
        // The simulator's time stands still while the first run submits (its jobs stay in flight, whatever the
        // machine's speed), then jumps ahead: those jobs are CLOSED when the rerun starts.
        let time = StoppedClock()
        var configuration = SimulatorHarness.fastConfiguration(seed: 7, clock: SimulatorClock { time.elapsed })
        configuration.users = ["user1": "pw1"]
        // Renewals and orphan expiry far beyond the test's length: only the rerun's own reclaim can free the slots.
        let timing = CoordinationTiming(
            leaseDuration: 600, noJobGrace: 6 * 3600, orphanProbeInterval: 0.2, waiterTimeToLive: 30, maximumWait: 0.2)
        let store = TableCoordinator.inProcess(timing: timing)
        let scope = SlotScope(origin: "in-process://resume", companyDigest: "test")
        let limits = try SlotLimits(outstandingPerUser: 2, runningPerCompany: 4, queuedPerCompany: 50)
        func coordination(pid: Int32) -> ExecutorCoordination {
            ExecutorCoordination(
                coordinator: store, scope: scope, limits: limits,
                holder: HolderIdentity(pipeline: "resume", host: "h", pid: pid, instance: "state-1"))
        }

        try await SimulatorHarness.withSimulator(configuration) { simulator in
            // The first run: stopped (as a kill would) once both of the user's slots hold a submitted job.
            let firstLog = PipelineHarness.EventLog()
            let firstCoordination = coordination(pid: 1)
            let first = Task {
                try await PipelineHarness.run(
                    pipeline, on: simulator, directory: directory, now: Self.now, timeScale: Self.scale,
                    passwords: ["user1": "pw1"], coordination: firstCoordination, log: firstLog)
            }
            while firstLog.count(.submitted) < 2 { try await Task.sleep(nanoseconds: 1_000_000) }
            first.cancel()
            _ = try? await first.value
            time.start(at: 10)

            // Its journal lost one of the two answers: that chunk is `submitting`, its job only on the lease.
            let journal = try Journal(path: directory + "/state/journal.sqlite")
            let records = try journal.records()
            let inFlight = records.filter { $0.state == .submitted }
            try #require(inFlight.count == 2, "both slots hold a job when the first run stops: \(records.map(\.state))")
            try journal.markSubmitting(inFlight[0].id, user: "user1")
            let held = try await store.snapshot(scope).leases
            #expect(held.count == 2 && held.allSatisfy { $0.job != nil && $0.holder.pid == 1 })

            let log = PipelineHarness.EventLog()
            let outcome = try await PipelineHarness.run(
                pipeline, on: simulator, directory: directory, now: Self.now, timeScale: Self.scale,
                passwords: ["user1": "pw1"], coordination: coordination(pid: 2), log: log)
            #expect(outcome.summary.failed.isEmpty)
            #expect(log.count(.reattached) == 1, "the job the journal knows is followed, not submitted again")
            #expect(
                try ExecutorSimulatorTests.bytes(directory + "/out/posts.csv")
                    == PipelineHarness.wholeExport(of: outcome))
            let stats = await simulator.stats()
            #expect(stats.users.rejections == 0)
            #expect((stats.maxQueuedPerUser["user1"] ?? 0) <= 2)
            #expect(try await store.snapshot(scope).leases.isEmpty, "every slot is free when the rerun ends")
        }
    }
}

/// Real seconds for the simulator, standing at zero until `start(at:)`, then running from there.
private final class StoppedClock: @unchecked Sendable {
    private let lock = NSLock()
    private var started: (at: Double, since: ContinuousClock.Instant)?

    var elapsed: Double {
        lock.withLock {
            guard let started else { return 0 }
            let d = ContinuousClock.now - started.since
            return started.at + Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18
        }
    }

    func start(at seconds: Double) {
        lock.withLock { started = (seconds, ContinuousClock.now) }
    }
}

import AnalyticsAPI
import AnalyticsSimulator
import ExportDataset
import ExportExecutor
import ExportLoading
import ExportPlanner
import ExportRun
import ExportSpec
import ExportTestSupport
import Foundation
import Testing

/// Runs with `output.load` over loopback HTTP (the simulator) into the real PostgreSQL of the tests: each partition is
/// loaded as its file is final, the tables follow the dataset night after night, and a load that fails fails alone.
@Suite(
    "Loading the dataset in a run, with exportpipe load and status", .serialized,
    .enabled(if: WarehouseTestDatabase.isRequired, RunLoadFixture.skipped))
struct RunLoadTests {
    static let passwords = ["user1": "pw1"]

    /// - Parameter expectedApprovals: `expected_rows_per_day` of approvals: a large one makes its job the longest
    ///   expected, so the scheduler (longest first) submits it first.
    static func spec(
        _ fixture: RunLoadFixture, days: Int = 3, approvalsChunk: Int = 1, expectedApprovals: Int? = nil
    ) -> PipelineSpec {
        var spec = SpecBuilders.spec(
            timezone: "UTC", window: SpecBuilders.window(last: CalendarDuration(days, .day)),
            exports: [
                SpecBuilders.export(
                    "approvals", .responseApproval, chunk: .fixed(CalendarDuration(approvalsChunk, .day)),
                    expectedRowsPerDay: expectedApprovals),
                SpecBuilders.export("agents", .user),
            ])
        spec.output.layout = .partitioned
        spec.output.load = fixture.load
        return spec
    }

    /// The simulator as the API is at `now`, with rows up to `lateDays` days late.
    static func simulator(
        at now: Date, lateDays: Int = 2, drift: SchemaDrift = SchemaDrift(), timeScale: Double = 10_000,
        clock: SimulatorClock = .system
    ) -> SimulatorConfiguration {
        var configuration = SimulatorHarness.fastConfiguration(seed: 7, clock: clock)
        configuration.timeScale = timeScale
        configuration.users = ["user1": "pw1"]
        configuration.startEpochMillis = Int64(now.timeIntervalSince1970 * 1000)
        if lateDays > 0 { configuration.lateArrival = LateArrival(days: lateDays) }
        configuration.drift = drift
        return configuration
    }

    static func night(
        _ spec: PipelineSpec, _ fixture: RunLoadFixture, now: Date, settleSeconds: Double = 86_400,
        drift: SchemaDrift = SchemaDrift(), outstandingPerUser: Int? = nil, timeScale: Double = 10_000,
        clock: SimulatorClock = .system, log: PipelineHarness.EventLog = PipelineHarness.EventLog()
    ) async throws -> PipelineHarness.Outcome {
        try await SimulatorHarness.withSimulator(
            simulator(at: now, drift: drift, timeScale: timeScale, clock: clock)
        ) { simulator in
            try await PipelineHarness.run(
                spec, on: simulator, directory: fixture.directory, now: now, timeScale: timeScale,
                passwords: passwords, outstandingPerUser: outstandingPerUser, settleSeconds: settleSeconds, log: log)
        }
    }

    @Test(
        "three nights of late data: after each, every export's table holds exactly the dataset's rows; a run with nothing new changes no row"
    )
    func nightsOfLateData() async throws {
        try await RunLoadFixture.with { fixture in
            let spec = Self.spec(fixture)
            for (night, day) in ["2026-03-10", "2026-03-11", "2026-03-12"].enumerated() {
                let outcome = try await Self.night(spec, fixture, now: SpecBuilders.instant(day + "T11:00:00Z"))
                #expect(outcome.run.status == .complete, "night \(night): \(outcome.run.error ?? "")")
                let loads = try #require(outcome.run.loads)
                #expect(loads.failures.isEmpty && loads.unreachable == nil, "night \(night)")
                if night > 0 {
                    // Each night loads the new day; the unsettled days are exported again: the agents' totals are not
                    // late, so their files come back with the same bytes and are skipped. (Whether late rows changed
                    // an approvals' day depends on the simulator's clock, which runs on while the run does.)
                    #expect((loads.exports["approvals"]?.loaded ?? 0) >= 1, "night \(night): \(loads)")
                    #expect((loads.exports["agents"]?.skippedUnchanged ?? 0) >= 1, "night \(night): \(loads)")
                }
                try await fixture.expectTableEqualsDataset("approvals", idColumn: "approval_id")
                try await fixture.expectTableEqualsDataset("agents", idColumn: "agent_id")
            }

            // Another run with everything settled: nothing exported, nothing loaded, no row touched.
            let bookkeeping =
                "SELECT export || ' ' || partition_key || ' ' || loaded_at::text || ' ' || run_id FROM "
                + "\"\(fixture.schema)\"._exportpipe_partitions ORDER BY 1"
            let recorded = try await fixture.strings(bookkeeping)
            let versions = try await ["approvals", "agents"].asyncMap { export in
                try await fixture.strings(
                    "SELECT string_agg(xmin::text || ':' || ctid::text, ',' ORDER BY ctid) FROM \(fixture.table(export))"
                )
            }
            try await fixture.database.loaderConnectionsClosed()
            let inserted = (
                try await fixture.database.counters("approvals").inserted,
                try await fixture.database.counters("agents").inserted
            )
            #expect(inserted.0 > 0 && inserted.1 > 0)
            let partitions =
                try fixture.manifest("approvals").partitions.count + fixture.manifest("agents").partitions.count
            let again = try await Self.night(
                spec, fixture, now: SpecBuilders.instant("2026-03-12T11:00:00Z"), settleSeconds: 0)
            #expect(again.run.status == .complete, "\(again.run.error ?? "")")
            #expect(again.plan.chunks.isEmpty)
            let loads = try #require(again.run.loads)
            #expect(loads.totals.loaded == 0 && loads.totals.failed == 0)
            #expect(loads.totals.skippedUnchanged == partitions)
            try await fixture.database.loaderConnectionsClosed()
            #expect(try await fixture.strings(bookkeeping) == recorded)
            let after = try await ["approvals", "agents"].asyncMap { export in
                try await fixture.strings(
                    "SELECT string_agg(xmin::text || ':' || ctid::text, ',' ORDER BY ctid) FROM \(fixture.table(export))"
                )
            }
            #expect(after == versions)
            #expect(try await fixture.database.counters("approvals").inserted == inserted.0)
            #expect(try await fixture.database.counters("agents").inserted == inserted.1)
        }
    }

    @Test("a partition is loaded while other chunks of the run still run (seen in the run's events)")
    func loadedWhileOtherChunksRun() async throws {
        try await RunLoadFixture.with { fixture in
            // approvals: one job for the whole window, the longest expected (submitted first); agents: one job per
            // day; one job at a time, at a time scale where the agents' six jobs take a while after the approvals'.
            let spec = Self.spec(fixture, days: 8, approvalsChunk: 8, expectedApprovals: 5_000_000)
            let log = PipelineHarness.EventLog()
            // Server time stands still from the approvals' job's close until their first partition is loaded: the
            // agents' job running then cannot end, so the agents' later jobs go out after that load, however slow
            // the machine (in a full suite on two cores, every agents' job once ended before the first load).
            let time = PausableClock()
            let night = Task {
                try await Self.night(
                    spec, fixture, now: SpecBuilders.instant("2026-03-10T11:00:00Z"), outstandingPerUser: 1,
                    timeScale: 500, clock: time.simulatorClock, log: log)
            }
            do {
                try await eventually("the approvals' job closed") {
                    log.events.contains { $0.kind == .completed && $0.export == "approvals" }
                }
                time.pause()
                try await eventually("a partition of the approvals loaded") {
                    log.events.contains { $0.kind == .loaded && $0.export == "approvals" }
                }
                time.resume()
            } catch {
                time.resume()
                night.cancel()
                _ = try? await night.value
                throw error
            }
            let outcome = try await night.value
            #expect(outcome.run.status == .complete, "\(outcome.run.error ?? "")")
            let events = log.events
            let firstLoad = try #require(events.firstIndex { $0.kind == .loaded && $0.export == "approvals" })
            let agentsVerified = events.indices.filter { events[$0].kind == .verified && events[$0].export == "agents" }
            let agentsSubmitted = events.indices.filter {
                events[$0].kind == .submitted && events[$0].export == "agents"
            }
            // The approvals' partitions loaded before the agents' chunks were all done: some were submitted after.
            #expect(try #require(agentsVerified.last) > firstLoad, "\(events.map(\.kind.rawValue))")
            #expect(agentsSubmitted.contains { $0 > firstLoad }, "\(events.map(\.kind.rawValue))")
            let submittedAfter = agentsSubmitted.filter { $0 > firstLoad }.count
            #expect(submittedAfter >= 1, "agents' jobs submitted after the first load: \(submittedAfter)")
            #expect(events.filter { $0.kind == .loaded }.count == 16)
            try await fixture.expectTableEqualsDataset("approvals", idColumn: "approval_id")
            try await fixture.expectTableEqualsDataset("agents", idColumn: "agent_id")
        }
    }
}

extension Array {
    func asyncMap<T>(_ transform: (Element) async throws -> T) async rethrows -> [T] {
        var result: [T] = []
        for element in self { result.append(try await transform(element)) }
        return result
    }
}

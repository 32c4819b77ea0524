import AnalyticsSimulator
import ExportDataset
import ExportLoading
import ExportRun
import ExportSpec
import ExportTestSupport
import Foundation
import Testing

/// `exportpipe load` and the load part of `status`, through the functions the commands call, against a dataset a
/// run wrote over loopback and the real PostgreSQL of the tests; and a load that fails in a run.
@Suite(
    "exportpipe load and status, and a load that fails in a run", .serialized,
    .enabled(if: WarehouseTestDatabase.isRequired, RunLoadFixture.skipped))
struct LoadCommandTests {
    static let now = SpecBuilders.instant("2026-03-10T11:00:00Z")

    func status(_ spec: PipelineSpec, _ fixture: RunLoadFixture) async throws -> LoadStatus {
        try #require(
            try await PipelineRun.loadStatus(
                spec, now: Self.now, baseDirectory: fixture.directory, environment: [:]))
    }

    @Test("load narrowed by --export and --partition loads only that; status shows what is loaded and what waits")
    func loadNarrowedAndStatus() async throws {
        try await RunLoadFixture.with { fixture in
            let spec = RunLoadTests.spec(fixture)
            // The dataset on disk, written by a run that does not load.
            var exportOnly = spec
            exportOnly.output.load = nil
            let run = try await RunLoadTests.night(exportOnly, fixture, now: Self.now)
            #expect(run.run.status == .complete && run.run.loads == nil)
            let approvals = try fixture.manifest("approvals").partitions.map(\.partition)
            let agents = try fixture.manifest("agents").partitions.map(\.partition)
            #expect(approvals.count == 3 && agents.count == 3)

            let before = try await status(spec, fixture)
            #expect(before.unreachable == nil)
            #expect(before.exports.map(\.name) == ["approvals", "agents"])
            #expect(before.exports.allSatisfy { $0.loaded.isEmpty && $0.waiting.count == 3 })
            #expect(before.exports[0].waiting.first?.reason == "not loaded")

            let specPath = fixture.directory + "/pipeline.yaml"
            let one = try await PipelineRun.loadDataset(
                spec, specPath: specPath, now: Self.now, environment: [:], export: "approvals",
                partition: approvals[1])
            #expect(!one.hasFailures)
            #expect(
                one.exports == [
                    "approvals": LoadReport.Counts(
                        loaded: 1, rows: try fixture.manifest("approvals").partitions[1].rows)
                ])
            let middle = try await status(spec, fixture)
            #expect(middle.exports[0].loaded == [approvals[1]])
            #expect(middle.exports[0].waiting.map(\.partition) == [approvals[0], approvals[2]])
            #expect(middle.exports[1].loaded.isEmpty && middle.exports[1].waiting.count == 3)
            #expect(middle.lines.contains { $0.contains("waiting: \(approvals[0]) (not loaded)") })

            let rest = try await PipelineRun.loadDataset(spec, specPath: specPath, now: Self.now, environment: [:])
            #expect(!rest.hasFailures)
            #expect(
                rest.exports["approvals"]
                    == LoadReport.Counts(loaded: 2, skippedUnchanged: 1, rows: rest.exports["approvals"]?.rows ?? -1))
            #expect(rest.exports["agents"]?.loaded == 3)
            try await fixture.expectTableEqualsDataset("approvals", idColumn: "approval_id")
            try await fixture.expectTableEqualsDataset("agents", idColumn: "agent_id")
            let after = try await status(spec, fixture)
            #expect(after.exports.allSatisfy { $0.loaded.count == 3 && $0.waiting.isEmpty })
            #expect(
                after.exports[0].loadedRows == (try fixture.manifest("approvals").partitions.reduce(0) { $0 + $1.rows })
            )

            // A partition recorded from another version of its file waits again.
            _ = try await fixture.strings(
                "UPDATE \"\(fixture.schema)\"._exportpipe_partitions SET sha256 = 'other' WHERE export = 'agents' "
                    + "AND partition = '\(agents[0])' RETURNING export")
            let changed = try await status(spec, fixture)
            #expect(changed.exports[1].waiting.map(\.partition) == [agents[0]])
            #expect(changed.exports[1].waiting.first?.reason == "loaded from another version of the file")

            // What names nothing, and a spec that loads nowhere, are errors that say so.
            await #expect(throws: LoadSelectionError.self) {
                _ = try await PipelineRun.loadDataset(
                    spec, specPath: specPath, now: Self.now, environment: [:], export: "nope")
            }
            await #expect(throws: LoadSelectionError.self) {
                _ = try await PipelineRun.loadDataset(
                    spec, specPath: specPath, now: Self.now, environment: [:], partition: "2020-01-01")
            }
            do {
                _ = try await PipelineRun.loadDataset(exportOnly, specPath: specPath, now: Self.now, environment: [:])
                Issue.record("a spec without output.load loaded")
            } catch let error as LoadSelectionError {
                #expect(error.description.contains(specPath) && error.description.contains("output.load"))
            }
        }
    }

    @Test("status says when the database cannot be reached, without the password")
    func statusUnreachable() async throws {
        let directory = try PipelineHarness.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var spec = SpecBuilders.spec(
            timezone: "UTC", window: SpecBuilders.window(last: CalendarDuration(3, .day)),
            exports: [SpecBuilders.export("approvals", .responseApproval)])
        spec.output.layout = .partitioned
        spec.output.load = LoadConfig(
            postgres: Interpolated(raw: "${WAREHOUSE_URL}", location: SpecBuilders.location(line: 30)),
            schema: "nowhere", location: SpecBuilders.location(line: 29))
        let status = try #require(
            try await PipelineRun.loadStatus(
                spec, now: Self.now, baseDirectory: directory,
                environment: ["WAREHOUSE_URL": "postgres://loader:s3cr3t-pw@127.0.0.1:1/db?sslmode=disable"],
                timeout: 2))
        let unreachable = try #require(status.unreachable)
        #expect(!unreachable.contains("s3cr3t-pw") && !status.lines.joined().contains("s3cr3t-pw"))
        #expect(status.lines.contains { $0.contains("cannot be reached") })
        #expect(status.destination == "postgres://loader@127.0.0.1:1/db?schema=nowhere")
    }

    @Test(
        "a load that fails in a run fails only that partition: exit 1, the message names it and what to do, the table keeps its previous rows"
    )
    func failedLoadKeepsPreviousRows() async throws {
        try await RunLoadFixture.with { fixture in
            let spec = RunLoadTests.spec(fixture)
            let first = try await RunLoadTests.night(spec, fixture, now: Self.now)
            #expect(first.run.status == .complete, "\(first.run.error ?? "")")
            let last = try #require(try fixture.manifest("approvals").partitions.last)
            let lastIDs = try fixture.fileIDs("approvals", last)
            // From the next night on, approvals gain a column `score` whose whole numbers the table (changed by hand)
            // cannot take.
            try await fixture.execute("ALTER TABLE \(fixture.table("approvals")) ADD COLUMN score boolean")
            let next = SpecBuilders.instant("2026-03-11T11:00:00Z")
            let drift = SchemaDrift(added: SchemaDrift.Change(parsing: "score@2026-03-09"))
            let second = try await RunLoadTests.night(spec, fixture, now: next, drift: drift)
            #expect(second.run.status == .loadFailed)
            #expect(second.run.exitCode == 1)
            let loads = try #require(second.run.loads)
            // The unsettled day (exported again) and the new day fail; the agents load.
            #expect(Set(loads.failures.map(\.partition)) == [last.partition, "2026-03-10"])
            #expect(loads.exports["agents"]?.failed == 0)
            let error = try #require(second.run.error)
            #expect(error.contains("approvals/day=\(last.partition)") && error.contains("score"))
            #expect(error.contains("line") && error.contains("previous rows"))
            #expect(
                second.run.advice?.contains("exportpipe load \(fixture.directory)/pipeline.yaml --export approvals")
                    == true)
            // The dataset on disk has every export written; the table kept the partition's rows of the first night.
            #expect(try fixture.manifest("approvals").partitions.map(\.partition).last == "2026-03-10")
            let kept = try await fixture.strings(
                "SELECT approval_id::text FROM \(fixture.table("approvals")) WHERE _partition = '\(last.partition)'")
            #expect(kept.compactMap { $0 }.sorted() == lastIDs.sorted())
            try await fixture.expectTableEqualsDataset("agents", idColumn: "agent_id")

            // Fixed by hand, `exportpipe load` loads what failed.
            try await fixture.execute("ALTER TABLE \(fixture.table("approvals")) DROP COLUMN score")
            let report = try await PipelineRun.loadDataset(
                spec, specPath: fixture.directory + "/pipeline.yaml", now: next, environment: [:], export: "approvals")
            #expect(!report.hasFailures && report.exports["approvals"]?.loaded == 2)
            try await fixture.expectTableEqualsDataset("approvals", idColumn: "approval_id")
        }
    }
}

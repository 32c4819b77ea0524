import AnalyticsAPI
import ExportBasics
import ExportDataset
import ExportTestSupport
import Foundation
import RunReporting
import Testing

/// issue 22, "What it must show": a partitioned pipeline run for 30 simulated nights as CI would run it (the
/// `exportpipe` binary, `--now` stepping a day) against one `exportpipe simulator` with late data (`--late-days 3`)
/// and `settle: 4d`; three nights skipped, one night's run killed with SIGKILL mid-run and run again. Every night
/// submits one job per export per fan-out value (the new day and the unsettled ones together; after a skipped
/// night, the missed days too); afterwards every partition older than the settle period is byte-identical to one
/// export of its day made at the end, none is missing or duplicated, and partitions that left the window are still
/// there, unchanged.
///
/// With the test PostgreSQL (`EXPORTPIPE_TEST_POSTGRES_URL`; under CI a missing URL fails the test, locally the
/// nights run without loading, with a warning) the nights also load the dataset (`output.load`, issue 23): after each
/// night every table holds exactly the dataset's rows, and a second run of the last night changes no row
/// (ThirtyNightsTests+Load.swift). One test, so the 30 nights run once in the suite.
///
/// The workspace, spec and schedule live in ExportTestSupport (`NightlyWorkspace`, `NightlySpec`,
/// `NightlySchedule`) so a test of another output can add to the spec and to the per-night hook.
@Suite("Thirty nights of a partitioned dataset")
struct ThirtyNightsTests {
    /// Two small exports built from events (so late data touches both), one fanned out over two work queues: a
    /// regular night is 3 jobs.
    static let spec = NightlySpec(
        exports: [
            NightlySpec.Export(
                name: "help-requests", type: .rawExpertHelp, filters: [.workqueues: [1, 2]], splitBy: .workqueues),
            NightlySpec.Export(name: "approvals", type: .responseApproval),
        ])

    /// From Oct 20, 2026 (New York's clocks go back on Nov 1, night 13). Nights 9 and 10 are skipped in a row (with
    /// a 7-day window and settle 4d, a day settles on the 5th night after it: two nights may be missed before a
    /// day would leave the window unsettled), night 21 alone; night 15's first run is killed.
    static let schedule = NightlySchedule(firstDay: "2026-10-20", nights: 30, skipped: [9, 10, 21], killed: 15)

    /// Days a settled partition must wait after its day: settle (4d) after its end, which is the next midnight.
    static let settleNights = 5
    static let windowDays = 7

    @Test(
        "30 nights, late data, settle 4d, 3 nights skipped, 1 run killed: settled partitions equal exports made at the end; each night the tables hold the dataset's rows, a rerun changes none"
    )
    func thirtyNights() async throws {
        guard WarehouseTestDatabase.isRequired else {
            Issue.record(
                Comment(rawValue: WarehouseTestDatabase.skipNote("loading the 30 nights into PostgreSQL")),
                severity: .warning)
            return try await nights(loadingInto: nil)
        }
        let warehouse = try WarehouseTestDatabase(schemaPrefix: "nights_")
        do {
            try await nights(loadingInto: warehouse)
        } catch {
            await warehouse.drop()
            throw error
        }
        await warehouse.drop()
    }

    func nights(loadingInto warehouse: WarehouseTestDatabase?) async throws {
        let runner = try CLIRunner()
        let schedule = Self.schedule
        var spec = Self.spec
        if let warehouse { spec.output += Self.load(warehouse) }
        let workspace = try NightlyWorkspace(runner: runner, spec: spec, start: schedule.now(of: 1), lateDays: 3)
        if let warehouse { workspace.environment["EP_WAREHOUSE_URL"] = warehouse.url }
        defer { workspace.cleanup() }
        let exports = Self.spec.exports.map(\.name)
        // Partition files as first seen settled, and as they were the night they left the window.
        var settled: [String: String] = [:]
        var settledEntries: [String: DatasetManifest.Partition] = [:]
        var history: [String: String] = [:]
        // Each partition's file as the night after its day first wrote it.
        var firstWritten: [String: String] = [:]
        var previousNight: Int?
        let files = PartitionFileIDs()

        try await workspace.runNights(schedule, killWhen: { $0["kind"] as? String == "verified" }) { night in
            let n = night.number
            #expect(night.result.status == 0, "night \(n): \(night.result.stderr)")
            #expect(night.summary["status"] as? String == "complete", "night \(n)")
            if let killed = night.killed {
                #expect(killed.killedAfter != nil, "night \(n): the run was killed mid-run (after a verified chunk)")
                // A kill leaves every partition its old or its new complete file, and at most temporary files.
                for (export, manifest) in night.killedLeft?.manifests ?? [:] {
                    for entry in manifest.partitions where settledEntries["\(export)/\(entry.file)"] != nil {
                        #expect(
                            night.killedLeft?.files["\(export)/\(entry.file)"] == settled["\(export)/\(entry.file)"])
                    }
                }
                let stray = night.killedLeft?.strayFiles ?? []
                #expect(stray.allSatisfy { $0.split(separator: "/").last?.hasPrefix(".") == true }, "\(stray)")
                // Jobs in flight at the kill outlive it and are found again: at most the submits in flight are lost.
                #expect(
                    (Self.spec.jobsPerNight...Self.spec.jobsPerNight + 2).contains(night.submissions),
                    "night \(n): \(night.submissions) submissions")
            } else {
                // One job per export per fan-out value: the new day, the unsettled ones, and any missed nights.
                #expect(night.submissions == Self.spec.jobsPerNight, "night \(n): \(night.submissions) submissions")
                let since = previousNight.map { max($0 - Self.settleNights + 1, n - Self.windowDays) } ?? n - 7
                let written = (since...(n - 1)).count
                for export in exports {
                    #expect(
                        Self.partitions(night.summary, export)?["written"] as? Int == written, "night \(n) \(export)")
                }
            }
            previousNight = n
            // The metrics file counts the partitions as the summary does: written, unchanged, unsettled (the 4 days
            // before the settle period ends), outside the window (history), total.
            let metrics = PrometheusText.samples(in: try String(contentsOfFile: workspace.metricsPath, encoding: .utf8))
            for export in exports {
                func gauge(_ state: String) -> Int? {
                    metrics.first {
                        $0.name == "exportpipe_partitions" && $0.labels["export"] == export
                            && $0.labels["state"] == state
                    }.map { Int($0.value) }
                }
                let total = Self.windowDays + n - 1
                let outside = n - 1
                #expect(gauge("total") == total && gauge("outside_window") == outside, "night \(n) \(export)")
                #expect(gauge("unsettled") == Self.settleNights - 1, "night \(n) \(export)")
                let written = try #require(gauge("written"), "night \(n) \(export)")
                #expect(gauge("unchanged") == total - outside - written, "night \(n) \(export)")
                #expect(Self.partitions(night.summary, export)?["written"] as? Int == written)
                #expect(Self.partitions(night.summary, export)?["total"] as? Int == total)
            }

            let expected = (-Self.windowDays...(n - 2)).map { schedule.date(of: 1, offset: $0) }
            #expect(night.dataset.strayFiles.isEmpty, "night \(n): \(night.dataset.strayFiles)")
            for export in exports {
                let manifest = try #require(night.dataset.manifests[export], "night \(n) \(export)")
                // None missing, none twice: every day since the first night's window, once, each file as listed.
                #expect(manifest.partitions.map(\.partition) == expected, "night \(n) \(export)")
                for (offset, entry) in zip((-Self.windowDays)..., manifest.partitions) {
                    let path = "\(export)/\(entry.file)"
                    #expect(night.dataset.partitionFiles[path] == entry.sha256, "night \(n) \(path)")
                    // Settled on the 5th night after its day (or the first run after it): skipped nights caught up.
                    let age = n - 1 - offset
                    #expect(entry.settled == (age >= Self.settleNights), "night \(n) \(path): age \(age)")
                    if let first = settled[path] {
                        #expect(night.dataset.files[path] == first, "night \(n): settled \(path) never changes")
                        #expect(settledEntries[path] == entry, "night \(n): its manifest entry neither")
                    } else if entry.settled {
                        settled[path] = night.dataset.files[path]
                        settledEntries[path] = entry
                    }
                    if age == 1 { firstWritten[path] = night.dataset.files[path] }
                    if age > Self.windowDays, history[path] == nil { history[path] = night.dataset.files[path] }
                }
            }
            if let warehouse { try await Self.expectTablesEqualDataset(warehouse, workspace, night, files: files) }
        }

        // At the end: every partition older than the settle period equals one export of its day made now.
        let last = try workspace.snapshot()
        let zone = try #require(TimeZone(identifier: Self.spec.timezone))
        var requests: [ExportRequest] = []
        var paths: [String] = []
        for export in Self.spec.exports {
            let manifest = try #require(last.manifests[export.name])
            for entry in manifest.partitions where entry.settled {
                let (start, end) = try Self.dayWindow(entry.partition, zone: zone)
                requests.append(
                    export.request(startMs: start, endMs: end, timezone: Self.spec.timezone, locale: Self.spec.locale))
                paths.append(workspace.outputDirectory + "/\(export.name)/\(entry.file)")
            }
        }
        let lastDate = schedule.date(of: schedule.nights)
        #expect(requests.count == 2 * (Self.windowDays + schedule.nights - Self.settleNights), "\(lastDate)")
        let references = try await workspace.referenceExports(requests)
        for (path, reference) in zip(paths, references) {
            let stored = Array(try Data(contentsOf: URL(fileURLWithPath: path)))
            #expect(stored == reference, "\(path) equals an export of its day made at the end")
        }
        // Late data reached the API after a day's first export: most first files were not final (why settle exists).
        let changedSinceFirst = firstWritten.filter { path, sha in last.files[path] != sha && settled[path] != nil }
        #expect(changedSinceFirst.count > firstWritten.count / 2, "\(changedSinceFirst.count) of \(firstWritten.count)")
        // Partitions that left the window are still there, unchanged.
        #expect(history.count == 2 * (schedule.nights - 1))
        for (path, sha) in history { #expect(last.files[path] == sha, "\(path) kept as it left the window") }
        if let warehouse {
            try await Self.expectRerunChangesNoRow(warehouse, workspace, now: schedule.now(of: schedule.nights))
        }
    }

    /// `summary.exports[name].partitions`.
    static func partitions(_ summary: [String: Any], _ export: String) -> [String: Any]? {
        let exports = summary["exports"] as? [[String: Any]] ?? []
        return exports.first { $0["name"] as? String == export }?["partitions"] as? [String: Any]
    }

    /// Local midnight to local midnight of `YYYY-MM-DD` in `zone`, epoch milliseconds.
    static func dayWindow(_ day: String, zone: TimeZone) throws -> (Int64, Int64) {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        let parts = day.split(separator: "-").compactMap { Int($0) }
        let start = try #require(
            calendar.date(from: DateComponents(year: parts[0], month: parts[1], day: parts[2])))
        let end = try #require(calendar.date(byAdding: .day, value: 1, to: start))
        return (Int64(start.timeIntervalSince1970 * 1000), Int64(end.timeIntervalSince1970 * 1000))
    }
}

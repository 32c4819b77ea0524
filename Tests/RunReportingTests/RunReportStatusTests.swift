import AnalyticsAPI
import ExportExecutor
import Foundation
import RunReporting
import Testing

/// The report says how its run ended (a banner with the error and what to do), measures a run against the plan's
/// bound only when it did its work, and the metrics file records the last run's status and time.
@Suite("run report status and the last run's metrics")
struct RunReportStatusTests {
    /// A journal chunk in `state` (decoded, as the journal stores it).
    static func record(_ id: String, _ state: String) throws -> ChunkRecord {
        let request = try JSONSerialization.jsonObject(
            with: JSONEncoder().encode(ExportRequest(type: .incomingPost, startTime: 0, endTime: 86_400_000)))
        let fields: [String: Any] = [
            "id": id, "exportName": "posts", "request": request, "windowStart": 0, "windowEnd": 86_400_000,
            "state": state, "attempts": 1, "expectedRows": 10, "expectedSeconds": 60, "updatedAt": 0,
            "rejections": 0,
        ]
        return try JSONDecoder().decode(ChunkRecord.self, from: JSONSerialization.data(withJSONObject: fields))
    }

    /// 13 chunks, 1 verified, the others planned: a run stopped early. Its bound was planned for all 13.
    static func interruptedSnapshot() throws -> JournalSnapshot {
        var records = [try record("c0", "verified")]
        for index in 1..<13 { records.append(try record("c\(index)", "planned")) }
        let run = RunEventLog.Run(
            number: 2, command: "run", pipeline: "demo", startedAt: 100, finishedAt: 103, timeScale: 1, slots: 2,
            lowerBoundSeconds: 600, users: ["demo"], exports: ["posts"])
        let events = [
            RunEventLog.Event(at: 100, kind: "submitted", chunk: "c0", export: "posts", user: "demo", message: nil),
            RunEventLog.Event(at: 101, kind: "completed", chunk: "c0", export: "posts", user: "demo", message: nil),
            RunEventLog.Event(at: 102, kind: "verified", chunk: "c0", export: "posts", user: nil, message: nil),
        ]
        return JournalSnapshot(records: records, run: run, events: events)
    }

    @Test func anInterruptedRunSaysSoAndIsNotMeasuredAgainstTheWholeBound() throws {
        let status = try #require(RunReport.Status(status: "interrupted", exitCode: 130))
        let html = RunReport(
            snapshot: try Self.interruptedSnapshot(), manifest: nil, specPath: "pipelines/demo.yaml", now: 103,
            status: status
        ).html()
        #expect(html.contains("Interrupted: the run was stopped before it finished"))
        #expect(html.contains("(exit status 130)"))
        #expect(html.contains("<code>exportpipe run pipelines/demo.yaml</code>"))
        #expect(!html.contains("100 %"), "1 of 13 chunks done is not 100 % of the bound")
        #expect(html.contains("<b>n/a</b><span>achieved share of the bound: not applicable"))
        #expect(html.contains("(1 of 13 chunks done)"))
    }

    @Test func everyStatusHasABannerWithWhatToDo() throws {
        let snapshot = try Self.interruptedSnapshot()
        let cases: [(String, Int, String?, String, String)] = [
            ("complete", 0, nil, "Complete: every export is merged", "banner ok"),
            ("failed", 1, nil, "Failed: some chunks failed for good", "exportpipe retry p.yaml"),
            (
                "failed", 1, "the coordinator cannot be used: <refused>", "Failed: the run stopped on an error",
                "the coordinator cannot be used: &lt;refused&gt;"
            ),
            ("deadline", 3, nil, "Deadline: run.deadline passed", "banner warn"),
            (
                "refused_credentials", 1, "the API refused the password of user demo (HTTP 401)",
                "Refused credentials", "password_env"
            ),
        ]
        for (kind, code, error, headline, detail) in cases {
            let status = try #require(RunReport.Status(status: kind, exitCode: code, error: error), "\(kind)")
            let html = RunReport(snapshot: snapshot, manifest: nil, specPath: "p.yaml", now: 103, status: status)
                .html()
            #expect(html.contains(headline), "\(kind)")
            #expect(html.contains(detail), "\(kind): \(detail)")
            #expect(html.contains("(exit status \(code))"), "\(kind)")
        }
        #expect(RunReport.Status(status: "sideways", exitCode: 9) == nil)
    }

    @Test func aFailedRunThatSubmittedNothingDoesNotClaimEveryChunkWasReused() throws {
        var snapshot = try Self.interruptedSnapshot()
        snapshot.events = []
        let status = RunReport.Status(
            kind: .refusedCredentials, exitCode: 1, error: "the API refused the password of user demo (HTTP 401)")
        let html = RunReport(snapshot: snapshot, manifest: nil, specPath: "p.yaml", now: 103, status: status).html()
        #expect(!html.contains("every chunk was reused"))
        #expect(html.contains("it ended (refused-credentials) before any was"))
    }

    @Test func aCompleteRunIsMeasuredAndTheRunLogKeepsTheStatusForLaterReports() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("ep-status-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let journal = directory.appendingPathComponent("journal.sqlite").path
        let times = Times()
        let log = try RunEventLog(journalPath: journal, clock: { times.next() })
        try log.begin(
            command: "run", pipeline: "demo", timeScale: 1, slots: 2, lowerBoundSeconds: 4, users: ["demo"],
            exports: ["posts"])
        log.record(ProgressEvent(.submitted, chunk: "c0", export: "posts", user: "demo"))
        try log.finish(status: RunReport.Status(kind: .failed, exitCode: 1, error: "the disk is full"))

        let snapshot = try JournalSnapshot.read(journalPath: journal)
        #expect(snapshot.run?.status == RunReport.Status(kind: .failed, exitCode: 1, error: "the disk is full"))
        let later = RunReport(snapshot: snapshot, manifest: nil, specPath: "p.yaml").html()
        #expect(later.contains("Failed: the run stopped on an error") && later.contains("the disk is full"))

        // A run that did all its work (every chunk verified, no status given) is measured against the bound.
        var done = snapshot
        done.records = [try Self.record("c0", "verified")]
        done.run?.status = nil
        done.run?.lowerBoundSeconds = 2
        let measured = RunReport(snapshot: done, manifest: nil, specPath: "p.yaml").html()
        #expect(measured.contains("<span>achieved share of the bound</span>"))
        #expect(!measured.contains("n/a"))
        #expect(!measured.contains("class=\"banner"), "no status known: no banner")
    }

    @Test func theMetricsRecordTheLastRunsStatusAndTimeAndOnlySuccessMovesLastSuccess() throws {
        let previous = """
            # TYPE exportpipe_last_success_timestamp_seconds gauge
            exportpipe_last_success_timestamp_seconds{pipeline="nightly"} 1234.5

            """
        let metrics = RunMetrics(pipeline: "nightly", users: ["u1"], exports: [], previous: previous, clock: { 9_999 })
        let during = try PrometheusTextTests.values(metrics)
        #expect(during["exportpipe_last_run_status{status=interrupted}"] == 0)
        metrics.finish(execution: ExecutionSummary(), status: RunReport.Status(kind: .interrupted, exitCode: 130))
        let values = try PrometheusTextTests.values(metrics)
        #expect(values["exportpipe_last_success_timestamp_seconds"] == 1234.5, "a run that did not succeed")
        #expect(values["exportpipe_last_run_timestamp_seconds"] == 9_999)
        #expect(values["exportpipe_last_run_exit_code"] == 130)
        #expect(values["exportpipe_last_run_status{status=interrupted}"] == 1)
        for kind in ["complete", "failed", "deadline", "refused-credentials"] {
            #expect(values["exportpipe_last_run_status{status=\(kind)}"] == 0, "\(kind)")
        }

        let next = RunMetrics(
            pipeline: "nightly", users: ["u1"], exports: [],
            previous: String(decoding: metrics.render(), as: UTF8.self),
            clock: { 20_000 })
        next.finish(execution: ExecutionSummary(), status: RunReport.Status(kind: .complete, exitCode: 0))
        let success = try PrometheusTextTests.values(next)
        #expect(success["exportpipe_last_success_timestamp_seconds"] == 20_000)
        #expect(success["exportpipe_last_run_status{status=complete}"] == 1)
    }

    @Test func thePerExportTableCountsTheLeavesOfTheRunsPlanAsTheSummaryDoes() throws {
        // The journal holds a chunk of an older plan (o1), a split chunk (p) with its halves, and the plan names a
        // chunk it has no record of yet (c3).
        var records = [try Self.record("o1", "verified"), try Self.record("c1", "verified")]
        records.append(try Self.record("p", "split"))
        var half1 = try Self.record("p1", "verified")
        half1.parentId = "p"
        var half2 = try Self.record("p2", "planned")
        half2.parentId = "p"
        records += [half1, half2]
        let run = RunEventLog.Run(
            number: 3, command: "run", pipeline: "demo", startedAt: 100, finishedAt: 103, timeScale: 1, slots: 2,
            lowerBoundSeconds: 600, users: ["demo"], exports: ["posts"],
            plan: [RunEventLog.Run.PlannedExport(export: "posts", chunks: ["c1", "p", "c3"])])
        let html = RunReport(
            snapshot: JournalSnapshot(records: records, run: run, events: []), manifest: nil, specPath: "p.yaml",
            now: 103
        ).html()
        // chunks 4 (c1, p1, p2, c3), verified 2, in flight 0, to do 2.
        #expect(
            html.contains("<tr><td>posts</td><td>4</td><td class=\"ok\">2</td><td>0</td><td>2</td>"),
            "\(html)")
        #expect(html.contains("2 of 4 chunks done"), "the share of the bound names the plan's leaves")
    }
}

/// A clock for the run log: 100, 101, 102, …
private final class Times: @unchecked Sendable {
    private let lock = NSLock()
    private var value = 99.0
    func next() -> Double {
        lock.withLock {
            value += 1
            return value
        }
    }
}

import ExportExecutor
import Foundation
import RunReporting
import Testing

@Suite("run timeline and report")
struct RunTimelineTests {
    static func event(_ at: Double, _ kind: String, _ chunk: String, user: String? = nil, message: String? = nil)
        -> RunEventLog.Event
    {
        RunEventLog.Event(at: 100 + at, kind: kind, chunk: chunk, export: "posts", user: user, message: message)
    }

    static let events: [RunEventLog.Event] = [
        event(0, "submitted", "a", user: "u1"),
        event(1, "submitted", "b", user: "u1"),
        event(2, "rejected", "b", user: "u1", message: "User is attempting to run too many exports."),
        event(4, "completed", "a", user: "u1"),
        event(5, "submitted", "b", user: "u1"),
        event(6, "verified", "a"),
        event(8, "retrying", "b", message: "the job closed FAILED: <timeout> & more"),
        event(9, "submitted", "c", user: "u2"),
    ]

    @Test func jobsGetTheirUsersLanesAndTheirPhasesAndMarks() {
        let timeline = RunTimeline(events: Self.events, users: ["u1", "u2"], start: 100, end: 110, slotsPerUser: 2)
        #expect(timeline.lanes.map(\.user) == ["u1", "u2"])
        #expect(timeline.lanes.map(\.count) == [2, 2])
        let a = timeline.segments.filter { $0.chunk == "a" }
        #expect(a.map(\.phase) == [.queued, .downloading])
        #expect(a.map(\.start) == [0, 4] && a.map(\.end) == [4, 6])
        // b first took the second lane while a held the first; resubmitted after a left, it takes the first.
        #expect(timeline.segments.filter { $0.chunk == "b" }.map(\.lane) == [1, 0])
        #expect(timeline.markers.map(\.mark) == [.rejected, .retrying])
        // c is still at the server when the log ends: drawn to the end.
        #expect(timeline.segments.last { $0.chunk == "c" }?.end == 10)
        #expect(timeline.peakAtServer == 2)
        #expect(timeline.busySeconds == 4 + 1 + 3 + 1)
    }

    @Test func theReportIsOneSelfContainedPageWithTheTimeline() throws {
        let run = RunEventLog.Run(
            number: 3, command: "run", pipeline: "nightly <ops>", startedAt: 100, finishedAt: 110, timeScale: 1,
            slots: 4, lowerBoundSeconds: 5, users: ["u1", "u2"], exports: ["posts"])
        let html = RunReport(
            snapshot: JournalSnapshot(records: [], run: run, events: Self.events), manifest: nil,
            specPath: "pipelines/nightly.yaml", now: 200
        ).html()
        #expect(html.hasPrefix("<!DOCTYPE html>"))
        #expect(!html.lowercased().contains("<script"))
        #expect(!html.contains("http://") && !html.contains("https://"))
        #expect(!html.contains("@import") && !html.contains("url("))
        #expect(html.contains("<svg"))
        // Every segment is drawn, with its phase as the class, and the marks with their messages (escaped).
        #expect(html.components(separatedBy: "<rect class=\"queued\"").count - 1 == 4)
        #expect(html.components(separatedBy: "<rect class=\"downloading\"").count - 1 == 1)
        #expect(html.contains("class=\"mk rejected\""))
        #expect(html.contains("&lt;timeout&gt; &amp; more"))
        #expect(html.contains("nightly &lt;ops&gt;"))
        #expect(!html.contains("nightly <ops>"))
        #expect(html.contains("50 %"))  // the bound (5 s) over the wall time (10 s)
        #expect(!html.contains("{{"))
    }

    @Test func aJournalWithoutARunLogSaysSo() {
        let html = RunReport(
            snapshot: JournalSnapshot(records: [], run: nil, events: []), manifest: nil, specPath: "p.yaml"
        ).html()
        #expect(html.contains("no run log"))
        #expect(!html.contains("<svg"))
    }
}

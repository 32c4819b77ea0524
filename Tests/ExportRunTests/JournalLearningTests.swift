import AnalyticsAPI
import AnalyticsClient
import ExportExecutor
import ExportPlanner
import ExportRun
import ExportSpec
import ExportTestSupport
import Foundation
import Testing

/// What the journal of earlier runs tells the next plan and `status`: learned job durations, and jobs in flight
/// for chunks the plan no longer has.
@Suite("The journal's lessons in the plan and the status")
struct JournalLearningTests {
    static let now = SpecBuilders.instant("2025-03-01T00:00:00Z")

    static func spec(days: Int = 4) -> PipelineSpec {
        SpecBuilders.spec(
            window: SpecBuilders.window(from: SpecBuilders.date(2025, 2, 1), to: SpecBuilders.date(2025, 2, 1 + days)),
            exports: [
                SpecBuilders.export("posts", .incomingPost, chunk: .fixed(CalendarDuration(1, .day))),
                SpecBuilders.export("replies", .response, chunk: .fixed(CalendarDuration(1, .day))),
            ])
    }

    static func items(_ plan: Plan) -> [WorkItem] {
        plan.chunks.map { chunk in
            WorkItem(
                id: chunk.id, exportName: chunk.exportName, request: chunk.request, expectedRows: chunk.expectedRows,
                expectedSeconds: chunk.expectedSeconds)
        }
    }

    static func job(_ n: Int) -> SubmittedJob {
        SubmittedJob(workflowId: "w\(n)", runId: "r\(n)", statusURL: "https://api.example/s\(n)", downloadURL: nil)
    }

    @Test func thePlanShowsAndUsesTheDurationsLearnedFromTheJournal() throws {
        let directory = try PipelineHarness.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let spec = Self.spec()
        let fresh = try PipelineRun.plan(spec, now: Self.now, journal: nil).plan
        #expect(fresh.exports.allSatisfy { $0.learnedDuration == nil })

        // An earlier run: two posts jobs that took a third of their estimate, with their rows.
        let journal = try Journal(path: directory + "/journal.sqlite")
        let items = Self.items(fresh)
        try journal.register(items)
        let posts = items.filter { $0.exportName == "posts" }.prefix(2)
        for (index, item) in posts.enumerated() {
            try journal.markSubmitting(item.id, user: "user1")
            try journal.markSubmitted(item.id, job: Self.job(index))
            try journal.markCompleted(item.id, downloadURL: "https://x/d", jobSeconds: item.expectedSeconds / 3)
            try journal.markVerified(item.id, rows: 4_000, bytes: 100, sha256: "00", file: "chunks/\(item.id).csv")
        }

        let learned = try PipelineRun.plan(spec, now: Self.now, journal: journal).plan
        let postsExport = try #require(learned.exports.first { $0.name == "posts" })
        let duration = try #require(postsExport.learnedDuration)
        #expect(duration.jobs == 2)
        #expect(abs((duration.ratio ?? 0) - 1.0 / 3) < 0.001)
        #expect(duration.secondsPer1000Rows != nil)
        #expect(learned.exports.first { $0.name == "replies" }?.learnedDuration == nil, "nothing learned for it")
        #expect(abs(postsExport.estimatedSeconds - postsExport.expectedSeconds / 3) < 0.01)
        let replies = try #require(learned.exports.first { $0.name == "replies" })
        // The two verified (and settled) posts chunks are kept: the estimate is for the chunks left to run.
        #expect(postsExport.chunks.count - postsExport.chunksToRun.count == 2)
        let postsToRun = postsExport.chunksToRun.reduce(0) { $0 + $1.expectedSeconds }
        #expect(
            abs(learned.estimate.totalJobSeconds - (postsToRun / 3 + replies.expectedSeconds)) < 0.01,
            "the estimate uses the learned ratio")
        #expect(learned.estimate.totalJobSeconds < fresh.estimate.totalJobSeconds)

        let table = String(decoding: PlanRenderer.renderBytes(learned, as: .table), as: UTF8.self)
        #expect(table.contains("learned"), "\(table)")
        #expect(table.contains("earlier runs' 2 jobs took 0.333× the estimate"))
        let json = PlanRenderer.renderBytes(learned, as: .json)
        let document = try JSONDecoder().decode(PlanJSONDocument.self, from: Data(json))
        let entry = try #require(document.exports.first { $0.name == "posts" })
        #expect(entry.learnedDuration?.ratio == 0.333 && entry.learnedDuration?.jobs == 2)
        #expect(abs((entry.learnedDuration?.estimatedSeconds ?? 0) - Int(postsExport.estimatedSeconds)) <= 1)
        #expect(document.exports.first { $0.name == "replies" }?.learnedDuration == nil)
        // The hand-written JSON is what JSONEncoder writes for the same document.
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        let reencoded = try encoder.encode(document)
        #expect(
            try JSONDecoder().decode(PlanJSONDocument.self, from: reencoded) == document,
            "the learned figures round-trip")
    }

    @Test func statusListsJobsInFlightThatAreNoLongerInThePlan() throws {
        let directory = try PipelineHarness.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        // An earlier run planned six days; two of its jobs are still in flight on the last two days.
        let earlier = try PipelineRun.plan(Self.spec(days: 6), now: Self.now, journal: nil).plan
        let journal = try Journal(path: directory + "/journal.sqlite")
        let items = Self.items(earlier)
        try journal.register(items)
        let lastDays = items.filter { $0.exportName == "posts" }.suffix(2)
        let lost = try #require(lastDays.first)
        let live = try #require(lastDays.last)
        try journal.markSubmitting(lost.id, user: "user1")
        try journal.markSubmitting(live.id, user: "user1")
        try journal.markSubmitted(live.id, job: Self.job(9))
        let kept = try #require(items.first)
        try journal.markSubmitting(kept.id, user: "user1")
        try journal.markSubmitted(kept.id, job: Self.job(1))

        // Today's plan has four days only.
        let plan = try PipelineRun.plan(Self.spec(days: 4), now: Self.now, journal: journal).plan
        let report = JournalReport(records: try journal.records(), planned: Set(plan.chunks.map(\.id)))
        #expect(Set(report.outsidePlan.map(\.chunk)) == [lost.id, live.id])
        #expect(report.outsidePlan.first { $0.chunk == live.id }?.state == "submitted")
        #expect(report.outsidePlan.first { $0.chunk == lost.id }?.state == "submitting")
        #expect(report.outsidePlan.allSatisfy { $0.export == "posts" && $0.user == "user1" })
        #expect(report.text.contains("in flight, no longer in the plan (2)"), "\(report.text)")
        #expect(
            report.text.contains("chunk \(live.id): export posts, window 2025-02-06T00:00:00Z – 2025-02-07T00:00:00Z"))
        #expect(!report.text.contains("https://"), "no URL in the status")
        let json = try JSONEncoder().encode(report)
        let decoded = try JSONSerialization.jsonObject(with: json) as? [String: Any]
        #expect((decoded?["outsidePlan"] as? [Any])?.count == 2)
        // Without a plan, nothing is listed as outside it.
        #expect(JournalReport(records: try journal.records()).outsidePlan.isEmpty)
    }
}

import AnalyticsAPI
import ExportPlanner
import ExportSpec
import Foundation
import Testing

/// Fan-out by filter value, smart views, and the `combined` rewrite.
@Suite struct FanOutTests {
    let from = B.date(2026, 1, 1)
    let to = B.date(2026, 1, 4)
    let daily = ChunkSize.fixed(CalendarDuration(1, .day))

    func items(_ chunk: Chunk, _ name: String) -> [String] {
        chunk.request.queryItems.filter { $0.name == name }.map(\.value)
    }

    @Test(arguments: [
        (ExportType.rawAgentStates, FilterKind.teams, "teamIds"),
        (.teamPerformance, .teams, "teamIds"),
        (.user, .teams, "teamId"),
        (.user, .agents, "agentId"),
        (.incomingPost, .workqueues, "workqueueIds"),
        (.response, .smartViews, "smartViewId"),
        (.responseApproval, .teams, "teamIds"),
    ])
    func splitByFansOutOneJobPerValue(type: ExportType, kind: FilterKind, parameter: String) throws {
        let entry = B.export("x", type, filters: [kind: [11, 12, 13]], splitBy: kind, chunk: daily)
        let plan = try planOK(oneExportSpec(entry, from: from, to: to))
        let x = try export(plan, "x")
        #expect(x.fanOutCount == 3)
        #expect(x.chunks.count == 3 * x.timeWindowCount)
        for value in [11, 12, 13] as [Int64] {
            let mine = x.chunks.filter { $0.fanOut == [FanOutValue(filter: kind, value: value)] }
            #expect(mine.count == x.timeWindowCount)
            #expect(mine.allSatisfy { items($0, parameter) == [String(value)] })
            #expect(mine.allSatisfy { $0.reasons.contains(.splitBy(kind)) })
            expectContiguous(mine, from: x.windowStartMillis, to: x.windowEndMillis)
        }
        #expect(Set(x.chunks.map(\.id)).count == x.chunks.count)
    }

    @Test func withoutSplitByListFiltersTravelAsOneJob() throws {
        let entry = B.export("agents", .rawAgentStates, filters: [.teams: [175, 154]], chunk: daily)
        let plan = try planOK(oneExportSpec(entry, from: from, to: to))
        #expect(plan.chunks.count == 3)
        #expect(plan.chunks.allSatisfy { items($0, "teamIds") == ["175,154"] && $0.fanOut.isEmpty })
    }

    @Test func severalSmartViewsBecomeOneJobEach() throws {
        let entry = B.export(
            "posts", .incomingPost, filters: [.smartViews: [5, 6, 7], .workqueues: [1, 2]], chunk: daily)
        let plan = try planOK(oneExportSpec(entry, from: from, to: to))
        let posts = try export(plan, "posts")
        #expect(posts.chunks.count == 9)
        #expect(posts.chunks.allSatisfy { items($0, "smartViewId").count == 1 })
        #expect(posts.chunks.allSatisfy { items($0, "workqueueIds") == ["1,2"] })
        #expect(posts.chunks.allSatisfy { $0.reasons.contains(.singleValueFilter(.smartViews)) })
        #expect(Set(posts.chunks.flatMap { items($0, "smartViewId") }) == ["5", "6", "7"])
        // One smart view needs no fan-out.
        let single = B.export("posts", .incomingPost, filters: [.smartViews: [5]], chunk: daily)
        #expect(try planOK(oneExportSpec(single, from: from, to: to)).chunks.count == 3)
    }

    @Test func splitByAndSeveralSmartViewsMultiply() throws {
        let entry = B.export(
            "posts", .incomingPost, filters: [.workqueues: [1, 2], .smartViews: [5, 6, 7]], splitBy: .workqueues,
            chunk: daily)
        let posts = try export(try planOK(oneExportSpec(entry, from: from, to: to)), "posts")
        #expect(posts.fanOutCount == 6)
        #expect(posts.chunks.count == 18)
        #expect(Set(posts.chunks.map(\.id)).count == 18)
    }

    @Test func duplicateValuesArePlannedOnceWithAWarning() throws {
        let entry = B.export("agents", .rawAgentStates, filters: [.teams: [1, 2, 1]], splitBy: .teams, chunk: daily)
        let result = Planner.plan(oneExportSpec(entry, from: from, to: to), now: B.instant("2026-11-29T12:00:00Z"))
        #expect(!result.hasErrors)
        #expect(result.diagnostics.contains { $0.severity == .warning && $0.message.contains("more than once") })
        #expect(result.plan.chunks.count == 6)
    }

    @Test func splitByNeedsValuesAndAFilterTheExportTakes() {
        for entry in [
            B.export("agents", .rawAgentStates, splitBy: .teams),
            B.export("posts", .incomingPost, filters: [.teams: [1]], splitBy: .teams),
        ] {
            let result = Planner.plan(oneExportSpec(entry, from: from, to: to), now: B.instant("2026-11-29T12:00:00Z"))
            #expect(result.hasErrors)
            #expect(result.diagnostics.contains { $0.message.contains("split_by: team") })
        }
    }

    @Test func combinedIsPlannedAsItsThreeReplacements() throws {
        let entry = B.export(
            "raw", .combined, filters: [.workqueues: [3, 4], .smartViews: [8, 9]], chunk: daily,
            expectedRowsPerDay: 25_000,
            businessHours: .within)
        let plan = try planOK(oneExportSpec(entry, from: from, to: to))
        #expect(plan.exports.map(\.name) == ["raw.incoming_post", "raw.response", "raw.conversation"])
        #expect(plan.exports.map(\.type) == [.incomingPost, .response, .conversation])
        #expect(plan.exports.allSatisfy { $0.specExportName == "raw" })
        #expect(plan.exports.allSatisfy { $0.notes.contains { $0.contains("combined") } })
        for chunk in plan.chunks {
            #expect(chunk.reasons.first == .combinedRewrite)
            #expect(items(chunk, "workqueueIds") == ["3,4"])
            #expect(items(chunk, "smartViewId").count == 1)
            #expect(items(chunk, "enableBusinessHour") == ["true"])
        }
        let conversation = try export(plan, "raw.conversation")
        #expect(conversation.chunks.allSatisfy { items($0, "conversationReportType") == ["CREATED"] })
        #expect(conversation.chunks.count == 6)  // 3 days × 2 smart views: CREATED splits by time
        // The spec's volume is shared among the parts in proportion to their defaults (12,000 : 8,000 : 5,000).
        let perDay = plan.exports.map { Double($0.expectedRows) / 3 }
        #expect(perDay.map { Int($0.rounded()) } == [12_000, 8_000, 5_000])
    }

    @Test func keepCombinedKeepsOneCombinedExport() throws {
        let entry = B.export("raw", .combined, chunk: daily, keepCombined: true)
        let plan = try planOK(oneExportSpec(entry, from: from, to: to))
        let raw = try export(plan, "raw")
        #expect(plan.exports.count == 1)
        #expect(raw.type == .combined)
        #expect(raw.chunks.allSatisfy { !$0.reasons.contains(.combinedRewrite) })
        #expect(raw.notes.contains { $0.contains("keep_combined") })
    }

    @Test func combinedColumnsAreNotCarriedOverAndSaySo() {
        let entry = B.export("raw", .combined, columns: ["record_id"])
        let result = Planner.plan(oneExportSpec(entry, from: from, to: to), now: B.instant("2026-11-29T12:00:00Z"))
        #expect(result.diagnostics.contains { $0.severity == .warning && $0.message.contains("columns") })
        #expect(result.plan.chunks.allSatisfy { !$0.request.queryItems.contains { $0.name == "reportMetrics" } })
    }
}

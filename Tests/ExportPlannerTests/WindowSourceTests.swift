import AnalyticsAPI
import ExportBasics
import ExportPlanner
import ExportSpec
import Foundation
import Testing

/// The window seam: the planner cuts only what the window source says must be exported, and keeps the chunks an
/// earlier run verified and settled as they were, whatever `chunk:` would cut now.
@Suite struct WindowSourceTests {
    let now = B.instant("2026-11-29T12:00:00Z")
    let settle: Int64 = 2 * 86_400_000

    func spec(chunk: Int, type: ExportType = .incomingPost, splitBy: Bool = false) -> PipelineSpec {
        let entry = B.export(
            "posts", type, filters: splitBy ? [.workqueues: [4, 5]] : [:], splitBy: splitBy ? .workqueues : nil,
            chunk: .fixed(CalendarDuration(chunk, .day)))
        // Monday 2 to Sunday 15 November, inclusive: two calendar weeks.
        return oneExportSpec(entry, from: B.date(2026, 11, 2), to: B.date(2026, 11, 15))
    }

    /// The chunks of `plan` as verified by an earlier run, `verifiedAfterEnd` after each window's end.
    func verified(_ chunks: [Chunk], verifiedAfterEnd: Int64) -> [ResumeWindowSource.Verified] {
        chunks.map {
            ResumeWindowSource.Verified(
                id: $0.id, exportName: $0.exportName, request: $0.request, rows: 100,
                verifiedAtMillis: $0.endMillis + verifiedAfterEnd)
        }
    }

    @Test func withoutAJournalTheWholeWindowIsCut() throws {
        let plan = try planOK(spec(chunk: 7))
        let whole = Planner.plan(spec(chunk: 7), now: now, windows: WholeWindowSource()).plan
        #expect(plan == whole)
        #expect(plan.chunks.count == 2)
    }

    @Test func settledChunksAreKeptWhenTheChunkSizeChangesAndOnlyTheRestIsCut() throws {
        // Two weeks verified as 7-day chunks, the first settled, the second verified within the settle period.
        let first = try planOK(spec(chunk: 7)).chunks
        var earlier = verified([first[0]], verifiedAfterEnd: settle)
        earlier += verified([first[1]], verifiedAfterEnd: settle / 2)
        let source = ResumeWindowSource(verified: earlier, settleMillis: settle)
        // chunk: auto would now choose 14 days; here an explicit 14d plays that part.
        let plan = Planner.plan(spec(chunk: 14), now: now, windows: source).plan
        let posts = try export(plan, "posts")
        #expect(posts.chunks.count == 2)
        #expect(posts.chunks[0].id == first[0].id, "the settled week is kept with its id")
        #expect(posts.chunks[0].reasons.last == .keptFromEarlierRun)
        #expect(posts.chunksToRun.map(\.startMillis) == [first[1].startMillis], "only the unsettled week is cut")
        expectContiguous(posts.chunks, from: posts.windowStartMillis, to: posts.windowEndMillis)
        #expect(posts.exportedAgain.map(\.chunk) == [first[1].id])
        #expect(posts.exportedAgain.first?.reason.contains("run.settle") == true)
        #expect(plan.estimate.jobCount == 1, "the estimate counts only what the run will submit")
    }

    @Test func overlappingVerifiedChunksAreNeverBothKept() throws {
        let weeks = try planOK(spec(chunk: 7)).chunks
        let fortnight = try planOK(spec(chunk: 14)).chunks
        let source = ResumeWindowSource(
            verified: verified(weeks + fortnight, verifiedAfterEnd: settle), settleMillis: settle)
        let posts = try export(Planner.plan(spec(chunk: 1), now: now, windows: source).plan, "posts")
        #expect(posts.chunksToRun.isEmpty)
        #expect(posts.chunks.first?.id == fortnight[0].id, "the longest of those starting first")
        expectContiguous(posts.chunks, from: posts.windowStartMillis, to: posts.windowEndMillis)
    }

    @Test func eachFanOutValueKeepsOnlyItsOwnChunks() throws {
        let first = try planOK(spec(chunk: 7, splitBy: true)).chunks
        let queue4 = first.filter { $0.fanOut.first?.value == 4 }
        let source = ResumeWindowSource(verified: verified(queue4, verifiedAfterEnd: settle), settleMillis: settle)
        let posts = try export(Planner.plan(spec(chunk: 7, splitBy: true), now: now, windows: source).plan, "posts")
        #expect(posts.chunks.count == 4)
        #expect(posts.chunksToRun.allSatisfy { $0.fanOut.first?.value == 5 })
        #expect(posts.chunks.filter { $0.reasons.last == .keptFromEarlierRun }.map(\.id) == queue4.map(\.id))
    }

    @Test func anAggregateKeepsOnlyAChunkOfItsWholeWindow() throws {
        let aggregate = spec(chunk: 7, type: .teamPerformance)
        let first = try planOK(aggregate).chunks
        #expect(first.count == 1)
        var half = first[0]
        half.request.endTime -= 86_400_000
        let partial = ResumeWindowSource(verified: verified([half], verifiedAfterEnd: settle), settleMillis: settle)
        #expect(try export(Planner.plan(aggregate, now: now, windows: partial).plan, "posts").chunksToRun.count == 1)
        let whole = ResumeWindowSource(verified: verified(first, verifiedAfterEnd: settle), settleMillis: settle)
        #expect(try export(Planner.plan(aggregate, now: now, windows: whole).plan, "posts").chunksToRun.isEmpty)
    }

    /// Answers the whole window, cut from its own start (as a dataset's source does).
    struct FromItsStart: WindowSource {
        func windows(for query: WindowQuery) -> WindowAnswer {
            WindowAnswer(ranges: [query.window], cutsFromRangeStart: true)
        }
    }

    @Test func aWholeWindowAnsweredToBeCutFromItsStartFitsInOneChunkOffTheCalendarGrid() throws {
        // Tuesday 3 to Monday 9 November: seven days across a Monday.
        let entry = B.export("posts", .incomingPost, chunk: .fixed(CalendarDuration(7, .day)))
        let spec = oneExportSpec(entry, from: B.date(2026, 11, 3), to: B.date(2026, 11, 10))
        let onGrid = try export(Planner.plan(spec, now: now, windows: WholeWindowSource()).plan, "posts")
        #expect(onGrid.chunks.count == 2, "the calendar grid cuts at Monday's midnight")
        let fromStart = try export(Planner.plan(spec, now: now, windows: FromItsStart()).plan, "posts")
        #expect(fromStart.chunks.count == 1)
        expectContiguous(fromStart.chunks, from: fromStart.windowStartMillis, to: fromStart.windowEndMillis)
    }

    @Test func monthChunksCutFromAStartOnThe31stNeverExceedTheirMonths() throws {
        // May 31, 2025 to Nov 20, 2026 in quarters from its start (what a 540-day backfill with chunk: 3mo asks).
        let entry = B.export("posts", .incomingPost, chunk: .fixed(CalendarDuration(3, .month)))
        let spec = oneExportSpec(entry, from: B.date(2025, 5, 31), to: B.date(2026, 11, 20))
        let posts = try export(Planner.plan(spec, now: now, windows: FromItsStart()).plan, "posts")
        expectContiguous(posts.chunks, from: posts.windowStartMillis, to: posts.windowEndMillis)
        for chunk in posts.chunks {
            let limit = LocalDateTimeParts(localMillis: chunk.startMillis).addingMonths(3).localMillis
            #expect(chunk.endMillis <= limit, "\(chunk.startMillis) → \(chunk.endMillis)")
        }
        #expect(posts.chunks.count == 6)
    }

    @Test func rangesSubtractTakenPieces() {
        let window = TimeRange(start: 0, end: 100)
        #expect(window.subtracting([]) == [window])
        #expect(
            window.subtracting([
                TimeRange(start: 10, end: 20), TimeRange(start: 20, end: 30), TimeRange(start: 90, end: 120),
            ])
                == [TimeRange(start: 0, end: 10), TimeRange(start: 30, end: 90)])
        #expect(window.subtracting([TimeRange(start: -5, end: 200)]).isEmpty)
    }
}

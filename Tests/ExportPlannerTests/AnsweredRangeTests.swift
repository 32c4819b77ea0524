import AnalyticsAPI
import ExportPlanner
import ExportSpec
import Foundation
import Testing

/// A window source that answers fixed ranges, as the dataset does with its missing and unsettled partitions.
private struct AnsweredRanges: WindowSource {
    let ranges: [TimeRange]
    func windows(for query: WindowQuery) -> WindowAnswer { WindowAnswer(ranges: ranges) }
}

/// A range the window source answers (not the whole window) is cut from its own start: one that fits in one chunk
/// is one job even where the calendar grid would cut it; longer ones are chunks of the export's size from its start.
@Suite struct AnsweredRangeTests {
    let now = B.instant("2026-12-01T12:00:00Z")

    func spec(_ chunk: ChunkSize, type: ExportType = .incomingPost, splitBy: Bool = false) -> PipelineSpec {
        let entry = B.export(
            "posts", type, filters: splitBy ? [.workqueues: [4, 5]] : [:], splitBy: splitBy ? .workqueues : nil,
            chunk: chunk)
        // 1 September to 29 November 2026, UTC: 90 days.
        return oneExportSpec(entry, from: B.date(2026, 9, 1), to: B.date(2026, 11, 29))
    }

    func windows(_ spec: PipelineSpec, _ ranges: [TimeRange], hints: [String: Double] = [:]) throws -> [TimeRange] {
        let result = Planner.plan(spec, now: now, volumeHints: hints, windows: AnsweredRanges(ranges: ranges))
        #expect(result.diagnostics.allSatisfy { $0.severity != .error })
        return try export(result.plan, "posts").chunks.map { TimeRange(start: $0.startMillis, end: $0.endMillis) }
    }

    @Test func aRangeAcrossAWeekLineThatFitsInOneChunkIsOneJob() throws {
        // Friday 20 to Tuesday 24 November: the 7d grid cuts at Monday the 23rd.
        let range = TimeRange(start: ms("2026-11-20T00:00:00Z"), end: ms("2026-11-24T00:00:00Z"))
        #expect(try windows(spec(.fixed(CalendarDuration(7, .day))), [range]) == [range])
        // Exactly one chunk long is still one job.
        let week = TimeRange(start: range.start, end: range.start + 7 * dayMillis)
        #expect(try windows(spec(.fixed(CalendarDuration(1, .week))), [week]) == [week])
    }

    @Test func eachFanOutValueGetsOneJobForARangeThatFits() throws {
        let range = TimeRange(start: ms("2026-11-20T00:00:00Z"), end: ms("2026-11-24T00:00:00Z"))
        let result = Planner.plan(
            spec(.fixed(CalendarDuration(7, .day)), splitBy: true), now: now, windows: AnsweredRanges(ranges: [range]))
        let posts = try export(result.plan, "posts")
        #expect(posts.chunks.count == 2)
        #expect(Set(posts.chunks.compactMap { $0.fanOut.first?.value }) == [4, 5])
        #expect(posts.chunks.allSatisfy { $0.startMillis == range.start && $0.endMillis == range.end })
    }

    @Test func aLongerRangeIsCutFromItsOwnStart() throws {
        // Thursday 5 to Monday 16 November (11 days), 7d chunks: Thursday to Thursday, then the rest.
        let start = ms("2026-11-05T00:00:00Z")
        let range = TimeRange(start: start, end: start + 11 * dayMillis)
        #expect(
            try windows(spec(.fixed(CalendarDuration(7, .day))), [range]) == [
                TimeRange(start: start, end: start + 7 * dayMillis),
                TimeRange(start: start + 7 * dayMillis, end: range.end),
            ])
        // Several ranges (missed nights and a deleted partition) are each cut on their own.
        let deleted = TimeRange(start: ms("2026-10-02T00:00:00Z"), end: ms("2026-10-03T00:00:00Z"))
        #expect(try windows(spec(.fixed(CalendarDuration(7, .day))), [deleted, range]).count == 3)
    }

    @Test func monthsCountFromTheRangeStartAndNeverExceedTheAPIMaximum() throws {
        // chunk: 6mo is capped at 3 months; a range of 80 days from 15 September fits in one chunk.
        let start = ms("2026-09-15T00:00:00Z")
        let fits = TimeRange(start: start, end: start + 75 * dayMillis)
        #expect(try windows(spec(.fixed(CalendarDuration(6, .month))), [fits]) == [fits])
        // 1mo chunks from the 15th: 15 September to 15 October, then to 15 November, then the rest.
        #expect(
            try windows(spec(.fixed(CalendarDuration(1, .month))), [fits]).map(\.end) == [
                ms("2026-10-15T00:00:00Z"), ms("2026-11-15T00:00:00Z"), fits.end,
            ])
    }

    @Test func autoCutsARangeByTheSizeItChooses() throws {
        let start = ms("2026-11-20T00:00:00Z")
        let crossing = TimeRange(start: start, end: start + 4 * dayMillis)
        // 10,000 rows a day: auto chooses 7d (200,000 rows per job at most), so four days across Monday are one job.
        #expect(try windows(spec(.auto), [crossing], hints: ["posts": 10_000]) == [crossing])
        let longer = TimeRange(start: start, end: start + 10 * dayMillis)
        #expect(
            try windows(spec(.auto), [longer], hints: ["posts": 10_000]).map(\.end) == [
                start + 7 * dayMillis, longer.end,
            ])
        // 100,000 rows a day: auto chooses 1d, one job per day from the range's start.
        #expect(try windows(spec(.auto), [crossing], hints: ["posts": 100_000]).count == 4)
    }

    @Test func theWholeWindowStaysOnTheCalendarGrid() throws {
        let spec = spec(.fixed(CalendarDuration(7, .day)))
        let whole = try export(try planOK(spec, now: "2026-12-01T12:00:00Z"), "posts").chunks
        // 1 September 2026 is a Tuesday: the first chunk ends on the Monday after.
        #expect(whole.first?.endMillis == ms("2026-09-07T00:00:00Z"))
    }
}

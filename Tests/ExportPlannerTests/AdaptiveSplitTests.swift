import AnalyticsAPI
import ExportBasics
import ExportPlanner
import ExportSpec
import Foundation
import Testing

/// `Planner.split`, the executor's halving of a failing chunk.
@Suite struct AdaptiveSplitTests {
    let newYork = TimeZone(identifier: "America/New_York")!
    let oneHour = CalendarDuration(1, .hour)

    func chunk(
        _ entry: ExportEntry, from: LocalDateTime, to: LocalDateTime, zone: String = "America/New_York",
        now: String = "2026-11-29T12:00:00Z"
    ) throws -> Chunk {
        let plan = try planOK(oneExportSpec(entry, from: from, to: to, timezone: zone), now: now)
        return try #require(plan.chunks.first)
    }

    @Test func eventChunksSplitAtTheLocalHourNearestTheMiddle() throws {
        let day = try chunk(
            B.export("agents", .rawAgentStates, expectedRowsPerDay: 1_000), from: B.date(2026, 6, 1),
            to: B.date(2026, 6, 2))
        let halves = try #require(Planner.split(day, minimumDuration: oneHour, timeZone: newYork))
        #expect(halves.count == 2)
        #expect(halves[0].startMillis == day.startMillis)
        #expect(halves[0].endMillis == ms("2026-06-01T12:00:00-04:00"))
        #expect(halves[1].endMillis == day.endMillis)
        #expect(Set([day.id, halves[0].id, halves[1].id]).count == 3)
        #expect(halves.allSatisfy { $0.reasons == day.reasons + [.splitAfterFailure] })
        #expect(halves.allSatisfy { $0.exportName == day.exportName && $0.request.type == day.request.type })
        #expect(halves[0].expectedRows + halves[1].expectedRows == day.expectedRows)
        // Splitting again does not repeat the reason.
        let quarter = try #require(Planner.split(halves[0], minimumDuration: oneHour, timeZone: newYork))
        #expect(quarter[0].reasons.filter { $0 == .splitAfterFailure }.count == 1)
    }

    @Test func aSpringForwardDaySplitsOnAWholeLocalHour() throws {
        let day = try chunk(
            B.export("agents", .rawAgentStates, chunk: .fixed(CalendarDuration(1, .day))), from: B.date(2024, 3, 10),
            to: B.date(2024, 3, 11), now: "2025-01-01T00:00:00Z")
        #expect(day.durationMillis == 23 * hourMillis)
        let halves = try #require(Planner.split(day, minimumDuration: oneHour, timeZone: newYork))
        let clock = ZonedClock(timeZone: newYork)
        #expect(InstantFormat.iso8601(halves[0].endMillis, in: clock).hasSuffix(":00:00-04:00"))
        #expect(halves[0].durationMillis + halves[1].durationMillis == 23 * hourMillis)
        #expect(abs(halves[0].durationMillis - halves[1].durationMillis) <= hourMillis)
    }

    @Test func chunksAtTheMinimumAreNotSplit() throws {
        let twoHours = try chunk(
            B.export("agents", .rawAgentStates, chunk: .fixed(CalendarDuration(2, .hour))), from: B.date(2026, 6, 1),
            to: B.date(2026, 6, 1, 2))
        #expect(Planner.split(twoHours, minimumDuration: oneHour, timeZone: newYork)?.count == 2)
        let halves = try #require(Planner.split(twoHours, minimumDuration: oneHour, timeZone: newYork))
        #expect(Planner.split(halves[0], minimumDuration: oneHour, timeZone: newYork) == nil)
        #expect(Planner.split(twoHours, minimumDuration: CalendarDuration(90, .minute), timeZone: newYork) == nil)
        // Below an hour, splits land on multiples of the minimum.
        let quarters = try #require(
            Planner.split(halves[0], minimumDuration: CalendarDuration(15, .minute), timeZone: newYork))
        #expect(quarters[0].durationMillis == 30 * 60_000)
    }

    @Test func aggregatesAndSnapshotsAreNeverSplit() throws {
        let team = try chunk(B.export("teams", .teamPerformance), from: B.date(2026, 6, 1), to: B.date(2026, 7, 1))
        #expect(Planner.split(team, minimumDuration: oneHour, timeZone: newYork) == nil)
        let open = try chunk(B.export("open", .conversation), from: B.date(2026, 6, 1), to: B.date(2026, 7, 1))
        #expect(Planner.split(open, minimumDuration: oneHour, timeZone: newYork) == nil)
    }

    @Test func intervalChunksSplitOnBucketBoundaries() throws {
        let interval = 3 * hourMillis
        let entry = B.export(
            "interval", .teamPerformanceInterval, chunk: .fixed(CalendarDuration(1, .day)),
            timeIntervalMillis: interval)
        let day = try chunk(entry, from: B.date(2026, 6, 1, 1), to: B.date(2026, 6, 2, 1))
        let halves = try #require(Planner.split(day, minimumDuration: oneHour, timeZone: newYork))
        #expect((halves[0].endMillis - day.startMillis) % interval == 0)
        #expect(halves[0].durationMillis == 4 * interval)
        let single = try chunk(
            B.export(
                "interval", .teamPerformanceInterval, chunk: .fixed(CalendarDuration(3, .hour)),
                timeIntervalMillis: interval), from: B.date(2026, 6, 1), to: B.date(2026, 6, 1, 3))
        #expect(Planner.split(single, minimumDuration: oneHour, timeZone: newYork) == nil)
    }
}

import AnalyticsAPI
import ExportBasics
import ExportPlanner
import ExportSpec
import Foundation
import Testing

/// Windows: DST days, month ends, leap days, relative windows and retention.
@Suite struct WindowTests {
    /// The chunks of a `raw_agent_states` export over [from, to); now is mid-2025 so 2024 is within retention.
    func dailyChunks(_ timezone: String, from: LocalDateTime, to: LocalDateTime, chunk: String = "1d") throws
        -> [Chunk]
    {
        let size = try #require(CalendarDuration(parsing: chunk))
        let entry = B.export("agents", .rawAgentStates, chunk: .fixed(size))
        let plan = try planOK(oneExportSpec(entry, from: from, to: to, timezone: timezone), now: "2025-06-01T00:00:00Z")
        return try export(plan, "agents").chunks
    }

    func hours(_ chunks: [Chunk]) -> [Int64] { chunks.map { $0.durationMillis / hourMillis } }

    @Test(arguments: [
        // (zone, spring-forward day, fall-back day)
        ("America/New_York", B.date(2024, 3, 10), B.date(2024, 11, 3)),
        ("Europe/Berlin", B.date(2024, 3, 31), B.date(2024, 10, 27)),
    ])
    func oneDayChunksAre23And25HoursOnDSTDays(zone: String, spring: LocalDateTime, fall: LocalDateTime) throws {
        let clock = ZonedClock(timeZone: try #require(TimeZone(identifier: zone)))
        let springChunks = try dailyChunks(
            zone, from: B.date(spring.year, spring.month, spring.day - 1),
            to: B.date(spring.year, spring.month, spring.day + 2))
        #expect(hours(springChunks) == [24, 23, 24])
        let fallChunks = try dailyChunks(
            zone, from: B.date(fall.year, fall.month, fall.day - 1), to: B.date(fall.year, fall.month, fall.day + 2))
        #expect(hours(fallChunks) == [24, 25, 24])
        for chunk in springChunks + fallChunks {
            // Every boundary is local midnight.
            #expect(InstantFormat.iso8601(chunk.startMillis, in: clock).contains("T00:00:00"))
            #expect(InstantFormat.iso8601(chunk.endMillis, in: clock).contains("T00:00:00"))
        }
        expectContiguous(
            springChunks,
            from: clock.instant(
                fromLocal: LocalDateTimeParts(
                    year: spring.year, month: spring.month,
                    day: spring.day - 1
                ).localMillis),
            to: clock.instant(
                fromLocal: LocalDateTimeParts(
                    year: spring.year, month: spring.month,
                    day: spring.day + 2
                ).localMillis))
    }

    @Test func sixHourChunksAlignToLocalMidnightAcrossDST() throws {
        let spring = try dailyChunks(
            "America/New_York", from: B.date(2024, 3, 10), to: B.date(2024, 3, 11), chunk: "6h")
        #expect(hours(spring) == [5, 6, 6, 6])
        let fall = try dailyChunks("America/New_York", from: B.date(2024, 11, 3), to: B.date(2024, 11, 4), chunk: "6h")
        #expect(hours(fall) == [7, 6, 6, 6])
        let clock = ZonedClock(timeZone: try #require(TimeZone(identifier: "America/New_York")))
        #expect(
            fall.map { InstantFormat.readable($0.startMillis, in: clock) } == [
                "2024-11-03 00:00 -04:00", "2024-11-03 06:00 -05:00", "2024-11-03 12:00 -05:00",
                "2024-11-03 18:00 -05:00",
            ])
    }

    @Test func hourlyChunksOnDSTDaysDropTheSkippedHourAndWidenTheRepeatedOne() throws {
        let spring = try dailyChunks("Europe/Berlin", from: B.date(2024, 3, 31), to: B.date(2024, 4, 1), chunk: "1h")
        #expect(spring.count == 23)
        #expect(spring.allSatisfy { $0.durationMillis == hourMillis })
        let fall = try dailyChunks("Europe/Berlin", from: B.date(2024, 10, 27), to: B.date(2024, 10, 28), chunk: "1h")
        // 24 wall-clock hours, 25 real ones: the 02:00 chunk covers both 02:00 CEST and 02:00 CET.
        #expect(fall.count == 24)
        #expect(fall.filter { $0.durationMillis == 2 * hourMillis }.count == 1)
        #expect(fall.reduce(0) { $0 + $1.durationMillis } == 25 * hourMillis)
    }

    @Test func monthChunksFollowMonthLengthsIncludingALeapFebruary() throws {
        let chunks = try dailyChunks("UTC", from: B.date(2024, 1, 15), to: B.date(2024, 5, 15), chunk: "1mo")
        #expect(chunks.map { $0.durationMillis / dayMillis } == [17, 29, 31, 30, 14])
        #expect(
            chunks.dropFirst().map { $0.startMillis } == [
                ms("2024-02-01T00:00:00Z"), ms("2024-03-01T00:00:00Z"), ms("2024-04-01T00:00:00Z"),
                ms("2024-05-01T00:00:00Z"),
            ])
        let common = try dailyChunks("UTC", from: B.date(2025, 2, 1), to: B.date(2025, 3, 1), chunk: "1mo")
        #expect(common.map { $0.durationMillis / dayMillis } == [28])
    }

    @Test func theLeapDayIsItsOwnDailyChunk() throws {
        let chunks = try dailyChunks("UTC", from: B.date(2024, 2, 28), to: B.date(2024, 3, 2))
        #expect(
            chunks.map(\.startMillis) == [
                ms("2024-02-28T00:00:00Z"), ms("2024-02-29T00:00:00Z"), ms("2024-03-01T00:00:00Z"),
            ])
        // `last: 1d` to today on 2024-03-01 is the leap day.
        let spec = B.spec(
            window: B.window(last: CalendarDuration(1, .day)),
            exports: [B.export("agents", .rawAgentStates, chunk: .fixed(CalendarDuration(1, .day)))])
        let plan = try planOK(spec, now: "2024-03-01T12:00:00Z")
        let only = try #require(plan.chunks.first)
        #expect(plan.chunks.count == 1)
        #expect(only.startMillis == ms("2024-02-29T00:00:00Z"))
        #expect(only.endMillis == ms("2024-03-01T00:00:00Z"))
    }

    @Test func weeksStartOnMondayAndQuartersOnTheFirstMonthOfAQuarter() throws {
        let weeks = try dailyChunks("UTC", from: B.date(2024, 1, 3), to: B.date(2024, 1, 31), chunk: "7d")
        for chunk in weeks.dropFirst() {
            let days = chunk.startMillis / dayMillis
            #expect((days - 4) % 7 == 0, "week chunk does not start on a Monday")
        }
        #expect(weeks.count == 5)
        let quarters = try dailyChunks("UTC", from: B.date(2024, 2, 10), to: B.date(2024, 11, 1), chunk: "3mo")
        #expect(
            quarters.dropFirst().map(\.startMillis) == [
                ms("2024-04-01T00:00:00Z"), ms("2024-07-01T00:00:00Z"), ms("2024-10-01T00:00:00Z"),
            ])
    }

    @Test func relativeWindowsResolveAgainstNowInTheSpecZone() throws {
        // last: 30d to today, in New York, with now = 2026-11-29 12:00Z (07:00 EST).
        let spec = B.spec(
            timezone: "America/New_York", window: B.window(last: CalendarDuration(30, .day)),
            exports: [B.export("agents", .rawAgentStates, chunk: .fixed(CalendarDuration(1, .day)))])
        let plan = try planOK(spec)
        let agents = try export(plan, "agents")
        #expect(agents.windowEndMillis == ms("2026-11-29T00:00:00-05:00"))
        #expect(agents.windowStartMillis == ms("2026-10-30T00:00:00-04:00"))
        #expect(agents.chunks.count == 30)
        // 2026-11-01 is the fall-back day: one 25-hour chunk.
        #expect(agents.chunks.filter { $0.durationMillis == 25 * hourMillis }.count == 1)
        expectContiguous(agents.chunks, from: agents.windowStartMillis, to: agents.windowEndMillis)

        let recent = B.spec(
            window: B.window(last: CalendarDuration(6, .hour), to: .now),
            exports: [B.export("agents", .rawAgentStates, chunk: .fixed(CalendarDuration(1, .hour)))])
        let recentPlan = try planOK(recent, now: "2026-11-29T12:34:56Z")
        #expect(recentPlan.chunks.first?.startMillis == ms("2026-11-29T06:34:56Z"))
        #expect(recentPlan.chunks.last?.endMillis == ms("2026-11-29T12:34:56Z"))
        // Interior boundaries stay on whole hours.
        #expect(recentPlan.chunks.count == 7)
        #expect(recentPlan.chunks.dropFirst().allSatisfy { $0.startMillis % hourMillis == 0 })

        let months = B.spec(
            window: B.window(last: CalendarDuration(1, .month)),
            exports: [B.export("agents", .rawAgentStates, chunk: .fixed(CalendarDuration(7, .day)))])
        let monthPlan = try planOK(months, now: "2026-03-31T08:00:00Z")
        #expect(monthPlan.chunks.first?.startMillis == ms("2026-02-28T00:00:00Z"))
        #expect(monthPlan.chunks.last?.endMillis == ms("2026-03-31T00:00:00Z"))
    }

    @Test func windowsPastTheRetentionAreClippedWithAWarning() throws {
        let spec = B.spec(
            window: B.window(from: B.date(2024, 1, 1), to: B.date(2026, 11, 1), line: 7),
            exports: [B.export("agents", .rawAgentStates, chunk: .fixed(CalendarDuration(1, .month)))])
        let result = Planner.plan(spec, now: B.instant("2026-11-29T12:00:00Z"))
        #expect(!result.hasErrors)
        let warning = try #require(result.diagnostics.first { $0.message.contains("retention") })
        #expect(warning.severity == .warning)
        #expect(warning.location == B.location(line: 7))
        #expect(result.plan.warnings.contains(warning))
        let chunks = result.plan.chunks
        // now − 18 months = 2025-05-29 12:00: the horizon is the start of that day.
        #expect(chunks.first?.startMillis == ms("2025-05-29T00:00:00Z"))
        #expect(chunks.first?.reasons.contains(.retentionClipped) == true)
        #expect(chunks.dropFirst().allSatisfy { !$0.reasons.contains(.retentionClipped) })

        // `last: 18mo` to today starts exactly on the horizon: nothing to clip, no warning.
        let eighteen = B.spec(
            timezone: "Europe/Berlin", window: B.window(last: CalendarDuration(18, .month)),
            exports: [B.export("agents", .rawAgentStates)])
        let exact = Planner.plan(eighteen, now: B.instant("2026-11-29T12:00:00Z"))
        #expect(exact.diagnostics.isEmpty)
        #expect(exact.plan.chunks.first?.startMillis == ms("2025-05-29T00:00:00+02:00"))

        let ancient = B.spec(
            window: B.window(from: B.date(2020, 1, 1), to: B.date(2020, 2, 1), line: 9),
            exports: [B.export("agents", .rawAgentStates)])
        let failed = Planner.plan(ancient, now: B.instant("2026-11-29T12:00:00Z"))
        #expect(failed.hasErrors)
        #expect(failed.diagnostics.first?.location == B.location(line: 9))
        #expect(failed.plan.exports.isEmpty)
    }

    @Test func anExportWindowOverridesTheSpecWindowAndEmptyWindowsAreErrors() throws {
        let own = B.window(from: B.date(2026, 6, 1), to: B.date(2026, 6, 3), line: 40)
        let spec = B.spec(
            window: B.window(from: B.date(2026, 1, 1), to: B.date(2026, 2, 1)),
            exports: [
                B.export("a", .rawAgentStates, chunk: .fixed(CalendarDuration(1, .day)), window: own),
                B.export("b", .rawAgentStates, filters: [.teams: [1]], chunk: .fixed(CalendarDuration(1, .day))),
            ])
        let plan = try planOK(spec)
        #expect(try export(plan, "a").chunks.count == 2)
        #expect(try export(plan, "b").chunks.count == 31)

        let backwards = B.window(from: B.date(2026, 6, 3), to: B.date(2026, 6, 1), line: 41)
        let bad = B.spec(
            window: B.window(from: B.date(2026, 1, 1), to: B.date(2026, 2, 1)),
            exports: [B.export("a", .rawAgentStates, window: backwards)])
        let result = Planner.plan(bad, now: B.instant("2026-11-29T12:00:00Z"))
        #expect(result.hasErrors)
        #expect(result.diagnostics.first?.location == B.location(line: 41))
    }
}

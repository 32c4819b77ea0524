import ExportBasics
import ExportPlanner
import Foundation
import Testing

@Suite struct ZonedClockTests {
    let newYork = ZonedClock(timeZone: TimeZone(identifier: "America/New_York")!)
    let berlin = ZonedClock(timeZone: TimeZone(identifier: "Europe/Berlin")!)

    func wall(_ y: Int, _ m: Int, _ d: Int, _ h: Int = 0, _ min: Int = 0) -> Int64 {
        LocalDateTimeParts(year: y, month: m, day: d, hour: h, minute: min).localMillis
    }

    @Test func civilDateRoundTripsAcrossCenturiesAndLeapDays() {
        for days in stride(from: Int64(-800_000), through: 800_000, by: 997) {
            let date = CivilDate.fromDays(days)
            #expect(CivilDate.days(year: date.year, month: date.month, day: date.day) == days)
        }
        #expect(CivilDate.days(year: 1970, month: 1, day: 1) == 0)
        #expect(CivilDate.days(year: 2024, month: 3, day: 1) - CivilDate.days(year: 2024, month: 2, day: 28) == 2)
        #expect(CivilDate.days(year: 2023, month: 3, day: 1) - CivilDate.days(year: 2023, month: 2, day: 28) == 1)
        #expect(CivilDate.daysInMonth(year: 2000, month: 2) == 29)
        #expect(CivilDate.daysInMonth(year: 1900, month: 2) == 28)
    }

    @Test func addingMonthsClampsTheDay() {
        let jan31 = LocalDateTimeParts(year: 2024, month: 1, day: 31, hour: 6)
        #expect(jan31.addingMonths(1) == LocalDateTimeParts(year: 2024, month: 2, day: 29, hour: 6))
        #expect(jan31.addingMonths(13) == LocalDateTimeParts(year: 2025, month: 2, day: 28, hour: 6))
        #expect(jan31.addingMonths(-2) == LocalDateTimeParts(year: 2023, month: 11, day: 30, hour: 6))
        #expect(jan31.addingMonths(-18) == LocalDateTimeParts(year: 2022, month: 7, day: 31, hour: 6))
    }

    @Test func ordinaryTimesMapBothWays() {
        // 2025-07-01 12:00 EDT is 16:00Z.
        #expect(newYork.instant(fromLocal: wall(2025, 7, 1, 12)) == ms("2025-07-01T16:00:00Z"))
        #expect(newYork.local(ms("2025-07-01T16:00:00Z")) == wall(2025, 7, 1, 12))
        #expect(berlin.instant(fromLocal: wall(2025, 1, 15, 0)) == ms("2025-01-14T23:00:00Z"))
    }

    @Test func skippedWallClockTimesMapToTheJump() {
        // New York springs forward 2024-03-10 02:00 EST → 03:00 EDT (07:00Z).
        let jump = ms("2024-03-10T07:00:00Z")
        #expect(newYork.instant(fromLocal: wall(2024, 3, 10, 2)) == jump)
        #expect(newYork.instant(fromLocal: wall(2024, 3, 10, 2, 30)) == jump)
        #expect(newYork.instant(fromLocal: wall(2024, 3, 10, 3)) == jump)
        // Berlin springs forward 2024-03-31 02:00 CET → 03:00 CEST (01:00Z).
        #expect(berlin.instant(fromLocal: wall(2024, 3, 31, 2, 15)) == ms("2024-03-31T01:00:00Z"))
    }

    @Test func repeatedWallClockTimesMapToTheFirstOccurrence() {
        // New York falls back 2024-11-03 02:00 EDT → 01:00 EST: 01:30 happens at 05:30Z and at 06:30Z.
        #expect(newYork.instant(fromLocal: wall(2024, 11, 3, 1, 30)) == ms("2024-11-03T05:30:00Z"))
        #expect(newYork.local(ms("2024-11-03T06:30:00Z")) == wall(2024, 11, 3, 1, 30))
        // Berlin falls back 2024-10-27 03:00 CEST → 02:00 CET: 02:30 first happens at 00:30Z.
        #expect(berlin.instant(fromLocal: wall(2024, 10, 27, 2, 30)) == ms("2024-10-27T00:30:00Z"))
    }

    @Test func wallClockToInstantNeverGoesBackwards() {
        for (clock, day) in [(newYork, wall(2024, 3, 10)), (newYork, wall(2024, 11, 3)), (berlin, wall(2024, 3, 31))] {
            var previous = Int64.min
            for step in 0..<(2 * 24 * 6) {
                let instant = clock.instant(fromLocal: day - 12 * 3_600_000 + Int64(step) * 600_000)
                #expect(instant >= previous)
                previous = instant
            }
        }
    }

    @Test func iso8601FormatsAndParsesWithOffsets() throws {
        let instant = ms("2024-03-10T07:00:00Z")
        #expect(InstantFormat.iso8601(instant, in: newYork) == "2024-03-10T03:00:00-04:00")
        #expect(InstantFormat.iso8601(instant - 1, in: newYork) == "2024-03-10T01:59:59.999-05:00")
        #expect(InstantFormat.readable(instant, in: newYork) == "2024-03-10 03:00 -04:00")
        let kathmandu = ZonedClock(timeZone: try #require(TimeZone(identifier: "Asia/Kathmandu")))
        #expect(InstantFormat.iso8601(0, in: kathmandu) == "1970-01-01T05:30:00+05:30")
        #expect(InstantFormat.parse("2024-03-10T03:00:00-04:00") == instant)
        #expect(InstantFormat.parse("2024-03-10T07:00Z") == instant)
        #expect(InstantFormat.parse("2024-03-10T07:00:00.5Z") == instant + 500)
        #expect(InstantFormat.parse("2024-03-10T07:00:00") == nil)
        #expect(InstantFormat.parse("2024-02-30T07:00:00Z") == nil)
        #expect(InstantFormat.parse("yesterday") == nil)
    }
}

import Foundation

/// Wall-clock arithmetic in one time zone: instants (epoch milliseconds) to and from "local milliseconds"
/// (the wall-clock reading counted as if it were UTC), with a fixed rule for the hours that DST skips or repeats.
///
/// The rule: a wall-clock time that happens twice (the repeated hour when clocks fall back) means its first
/// occurrence; a wall-clock time that never happens (the skipped hour when clocks spring forward) means the
/// instant the clocks jump, i.e. the first valid instant after the gap. Both keep the mapping from wall clock to
/// instant non-decreasing, so calendar boundaries computed on the wall clock never go backwards.
///
/// Civil dates are computed here with integer arithmetic (proleptic Gregorian), not with `Calendar`, so the
/// planner is fast and the same on every platform; only the zone's UTC offsets come from `TimeZone`.
public struct ZonedClock: Sendable {
    public let timeZone: TimeZone

    public static let millisPerMinute: Int64 = 60_000
    public static let millisPerHour: Int64 = 3_600_000
    public static let millisPerDay: Int64 = 86_400_000

    public init(timeZone: TimeZone) {
        self.timeZone = timeZone
    }

    /// The zone's UTC offset at an instant, in milliseconds.
    public func offsetMillis(at instant: Int64) -> Int64 {
        let seconds = timeZone.secondsFromGMT(for: Date(timeIntervalSince1970: Double(floorDiv(instant, 1000))))
        return Int64(seconds) * 1000
    }

    /// The wall-clock reading at an instant, as local milliseconds.
    public func local(_ instant: Int64) -> Int64 { instant + offsetMillis(at: instant) }

    /// The instant a wall-clock reading denotes (first occurrence when repeated, the jump when skipped).
    public func instant(fromLocal wall: Int64) -> Int64 {
        // Offsets a day either side bracket any single transition near `wall`.
        let before = offsetMillis(at: wall - Self.millisPerDay)
        let after = offsetMillis(at: wall + Self.millisPerDay)
        var best: Int64?
        for offset in [before, after] {
            let candidate = wall - offset
            if offsetMillis(at: candidate) == offset { best = min(best ?? candidate, candidate) }
        }
        if let best { return best }
        // In a gap: find the transition, the first instant whose wall clock is at or past `wall`.
        var low = floorDiv(wall - max(before, after), 1000)
        var high = floorDiv(wall - min(before, after), 1000) + 1
        while low < high {
            let middle = low + (high - low) / 2
            if local(middle * 1000) >= wall { high = middle } else { low = middle + 1 }
        }
        return low * 1000
    }

    /// The instant of a wall-clock date and time in this zone.
    public func instant(of dateTime: LocalDateTimeParts) -> Int64 { instant(fromLocal: dateTime.localMillis) }

    /// Local midnight at the start of the day containing `instant`, as local milliseconds.
    public func startOfLocalDay(_ instant: Int64) -> Int64 {
        floorDiv(local(instant), Self.millisPerDay) * Self.millisPerDay
    }
}

/// A wall-clock date and time broken into fields, with integer conversions to and from local milliseconds.
public struct LocalDateTimeParts: Sendable, Hashable {
    public var year: Int
    public var month: Int
    public var day: Int
    public var hour: Int
    public var minute: Int
    public var second: Int
    public var millisecond: Int

    public init(year: Int, month: Int, day: Int, hour: Int = 0, minute: Int = 0, second: Int = 0, millisecond: Int = 0)
    {
        self.year = year
        self.month = month
        self.day = day
        self.hour = hour
        self.minute = minute
        self.second = second
        self.millisecond = millisecond
    }

    /// The fields of a local-milliseconds value.
    public init(localMillis: Int64) {
        let days = floorDiv(localMillis, ZonedClock.millisPerDay)
        let civil = CivilDate.fromDays(days)
        var rest = localMillis - days * ZonedClock.millisPerDay
        let hour = rest / ZonedClock.millisPerHour
        rest -= hour * ZonedClock.millisPerHour
        let minute = rest / ZonedClock.millisPerMinute
        rest -= minute * ZonedClock.millisPerMinute
        self.init(
            year: civil.year, month: civil.month, day: civil.day, hour: Int(hour), minute: Int(minute),
            second: Int(rest / 1000), millisecond: Int(rest % 1000))
    }

    /// Local milliseconds; out-of-range fields carry over (day 32 is the next month's first).
    public var localMillis: Int64 {
        let days = CivilDate.days(year: year, month: month, day: 1) + Int64(day - 1)
        return days * ZonedClock.millisPerDay + Int64(hour) * ZonedClock.millisPerHour
            + Int64(minute) * ZonedClock.millisPerMinute + Int64(second) * 1000 + Int64(millisecond)
    }

    /// Months added on the calendar; the day is clamped to the target month's length (Jan 31 + 1mo = Feb 28/29).
    public func addingMonths(_ months: Int) -> LocalDateTimeParts {
        let index = year * 12 + (month - 1) + months
        var result = self
        result.year = Int(floorDiv(Int64(index), 12))
        result.month = index - result.year * 12 + 1
        result.day = min(day, CivilDate.daysInMonth(year: result.year, month: result.month))
        return result
    }
}

/// Integer civil-date arithmetic (proleptic Gregorian), after Howard Hinnant's `days_from_civil`.
public enum CivilDate {
    /// Days since 1970-01-01 of a date.
    public static func days(year: Int, month: Int, day: Int) -> Int64 {
        // Normalise the month first so callers may pass months outside 1...12.
        let monthIndex = Int64(year) * 12 + Int64(month - 1)
        let y0 = floorDiv(monthIndex, 12)
        let m = monthIndex - y0 * 12 + 1
        let y = m <= 2 ? y0 - 1 : y0
        let era = floorDiv(y, 400)
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + Int64(day) - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    /// The date of a day number (days since 1970-01-01).
    public static func fromDays(_ days: Int64) -> (year: Int, month: Int, day: Int) {
        let z = days + 719_468
        let era = floorDiv(z, 146_097)
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let mp = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        return (Int(year), Int(month), Int(day))
    }

    public static func isLeapYear(_ year: Int) -> Bool { (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 }

    public static func daysInMonth(year: Int, month: Int) -> Int {
        switch month {
        case 2: isLeapYear(year) ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }
}

/// Division rounding toward negative infinity.
@inline(__always)
func floorDiv(_ a: Int64, _ b: Int64) -> Int64 {
    let q = a / b
    return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q
}

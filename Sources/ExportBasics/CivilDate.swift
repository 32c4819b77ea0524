/// Integer civil-date arithmetic (proleptic Gregorian), after Howard Hinnant's `days_from_civil`: the one
/// implementation the planner, the merger and the simulator share. Inlinable, because the merger calls it once per
/// record.
public enum CivilDate {
    public static let millisPerMinute: Int64 = 60_000
    public static let millisPerHour: Int64 = 3_600_000
    public static let millisPerDay: Int64 = 86_400_000

    /// Days since 1970-01-01 of a date.
    @inlinable public static func days(year: Int, month: Int, day: Int) -> Int64 {
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
    @inlinable public static func fromDays(_ days: Int64) -> (year: Int, month: Int, day: Int) {
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

    @inlinable public static func isLeapYear(_ year: Int) -> Bool {
        (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
    }

    @inlinable public static func daysInMonth(year: Int, month: Int) -> Int {
        switch month {
        case 2: isLeapYear(year) ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }
}

/// Division rounding toward negative infinity.
@inlinable @inline(__always)
public func floorDiv(_ a: Int64, _ b: Int64) -> Int64 {
    let q = a / b
    return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q
}

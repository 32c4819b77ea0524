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
        let days = floorDiv(localMillis, CivilDate.millisPerDay)
        let civil = CivilDate.fromDays(days)
        var rest = localMillis - days * CivilDate.millisPerDay
        let hour = rest / CivilDate.millisPerHour
        rest -= hour * CivilDate.millisPerHour
        let minute = rest / CivilDate.millisPerMinute
        rest -= minute * CivilDate.millisPerMinute
        self.init(
            year: civil.year, month: civil.month, day: civil.day, hour: Int(hour), minute: Int(minute),
            second: Int(rest / 1000), millisecond: Int(rest % 1000))
    }

    /// Local milliseconds; out-of-range fields carry over (day 32 is the next month's first).
    public var localMillis: Int64 {
        let days = CivilDate.days(year: year, month: month, day: 1) + Int64(day - 1)
        return days * CivilDate.millisPerDay + Int64(hour) * CivilDate.millisPerHour
            + Int64(minute) * CivilDate.millisPerMinute + Int64(second) * 1000 + Int64(millisecond)
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

import Foundation

extension WindowSpec {
    /// The window as instants `[start, end)`, with `today`/`now` taken from `now` and calendar arithmetic
    /// (`last: 1mo`, midnight) done in `timeZone`; nil when a local time cannot be placed on the calendar.
    public func resolvedInterval(now: Date, timeZone: TimeZone) -> (start: Date, end: Date)? {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        let endDate: Date?
        switch end {
        case .at(let local): endDate = local.instant(in: timeZone)
        case .today: endDate = calendar.startOfDay(for: now)
        case .now: endDate = now
        }
        guard let endDate else { return nil }
        let startDate: Date?
        switch start {
        case .at(let local): startDate = local.instant(in: timeZone)
        case .last(let duration): startDate = duration.before(endDate, calendar: calendar)
        }
        guard let startDate else { return nil }
        return (startDate, endDate)
    }
}

extension LocalDateTime {
    /// This wall-clock time in `timeZone` (a time skipped by a daylight-saving jump moves forward).
    public func instant(in timeZone: TimeZone) -> Date? {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        let components = DateComponents(
            year: year, month: month, day: day, hour: hour, minute: minute, second: second)
        return calendar.date(from: components)
    }

    /// The wall-clock time of `date` in `timeZone`.
    public init(_ date: Date, in timeZone: TimeZone) {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        let c = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
        self.init(
            year: c.year ?? 1970, month: c.month ?? 1, day: c.day ?? 1, hour: c.hour ?? 0, minute: c.minute ?? 0,
            second: c.second ?? 0)
    }
}

extension CalendarDuration {
    /// `date` minus this duration on `calendar` (months and days follow the calendar, hours are absolute).
    public func before(_ date: Date, calendar: Calendar) -> Date? {
        switch unit {
        case .minute: calendar.date(byAdding: .minute, value: -value, to: date)
        case .hour: calendar.date(byAdding: .hour, value: -value, to: date)
        case .day: calendar.date(byAdding: .day, value: -value, to: date)
        case .week: calendar.date(byAdding: .day, value: -7 * value, to: date)
        case .month: calendar.date(byAdding: .month, value: -value, to: date)
        }
    }
}

import ExportBasics

extension InstantFormat {
    /// `2025-03-09T03:00:00-04:00`: `instant` in the clock's zone, with the offset in force then.
    public static func iso8601(_ instant: Int64, in clock: ZonedClock) -> String {
        iso8601(instant, offsetMillis: clock.offsetMillis(at: instant))
    }

    /// `2025-03-09 03:00 -04:00`, for tables.
    public static func readable(_ instant: Int64, in clock: ZonedClock) -> String {
        readable(instant, offsetMillis: clock.offsetMillis(at: instant))
    }
}

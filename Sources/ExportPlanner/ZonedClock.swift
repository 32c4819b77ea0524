import ExportBasics
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

    public static let millisPerMinute = CivilDate.millisPerMinute
    public static let millisPerHour = CivilDate.millisPerHour
    public static let millisPerDay = CivilDate.millisPerDay

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

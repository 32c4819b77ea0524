import ExportBasics
import ExportSpec

/// Cuts a half-open window into consecutive half-open time windows.
///
/// Calendar alignment: boundaries are wall-clock times in the export's zone. Minutes, hours, days and weeks are
/// multiples of the size counted from Monday 1970-01-05 00:00 local time, so sizes that divide a day (`6h`, `1h`,
/// `15min`) fall on local midnight, `1d` on every local midnight, `7d` and `1w` on Monday midnights, and a size
/// that does not divide a day (`5h`) on a fixed grid that does not move between runs. Months are multiples of the
/// size counted from January of year 0, so `1mo` starts on the 1st and `3mo` on calendar quarters. The first
/// and last windows are cut by the window's own start and end. Wall-clock boundaries map to instants by
/// `ZonedClock`'s rule, so a `1d` window is 23 or 25 hours on a DST day, a `6h` window that spans the change is
/// 5 or 7 hours, and a boundary that falls in a skipped hour lands on the jump (an empty window is dropped).
enum TimeSlicer {
    /// Monday 1970-01-05 00:00, in local milliseconds.
    static let anchor: Int64 = 4 * ZonedClock.millisPerDay

    /// The boundaries `[start, b1, …, end]` (strictly increasing; at least `[start, end]`).
    static func boundaries(_ slicing: TimeSlicing, start: Int64, end: Int64, clock: ZonedClock) -> [Int64] {
        guard start < end else { return [start, end] }
        var result = [start]
        switch slicing {
        case .whole:
            break
        case .calendar(let size):
            var wall = clock.local(start)
            var last = start
            while true {
                wall = nextBoundary(afterLocal: wall, size: size)
                let instant = clock.instant(fromLocal: wall)
                if instant >= end { break }
                if instant > last {
                    result.append(instant)
                    last = instant
                }
            }
        case .elapsed(let step):
            guard step > 0 else { break }
            var next = start + step
            while next < end {
                result.append(next)
                next += step
            }
        case .monthsFromStart(let months):
            guard months > 0 else { break }
            let first = LocalDateTimeParts(localMillis: clock.local(start))
            var k = 1
            while true {
                let instant = clock.instant(fromLocal: first.addingMonths(k * months).localMillis)
                if instant >= end { break }
                if instant > result[result.count - 1] { result.append(instant) }
                k += 1
            }
        }
        result.append(end)
        return result
    }

    /// The boundaries of a range a window source answered (not the whole window): calendar sizes are counted from
    /// the range's own start in wall-clock time (`start + k × size`; months from each chunk's start, so a chunk that
    /// starts on the 29th–31st is never longer than its months when a shorter month clamps the day), so a range
    /// that fits in one chunk is one window, and a longer one is cut into chunks of the size from its start; other
    /// slicings are cut as `boundaries` cuts them.
    static func boundaries(_ slicing: TimeSlicing, fromStartOf start: Int64, end: Int64, clock: ZonedClock) -> [Int64] {
        guard case .calendar(let size) = slicing, start < end else {
            return boundaries(slicing, start: start, end: end, clock: clock)
        }
        let first = clock.local(start)
        let value = max(1, size.value)
        var result = [start]
        var k = 1
        // Months: added to the previous boundary's wall time (May 31 + 3 months is Aug 31, then Nov 30, then Feb 28,
        // then May 28), not to the first (May 31 + 12 months would end the chunk of Feb 28 on May 31: 3 months and 3
        // days, over the API's maximum).
        var monthStart = LocalDateTimeParts(localMillis: first)
        while true {
            let wall: Int64
            switch size.unit {
            case .minute: wall = first + Int64(k * value) * ZonedClock.millisPerMinute
            case .hour: wall = first + Int64(k * value) * ZonedClock.millisPerHour
            case .day: wall = first + Int64(k * value) * ZonedClock.millisPerDay
            case .week: wall = first + Int64(k * value) * 7 * ZonedClock.millisPerDay
            case .month:
                monthStart = monthStart.addingMonths(value)
                wall = monthStart.localMillis
            }
            let instant = clock.instant(fromLocal: wall)
            if instant >= end { break }
            if instant > result[result.count - 1] { result.append(instant) }
            k += 1
        }
        result.append(end)
        return result
    }

    /// About how many windows `boundaries` returns, without building them (the exact count is checked after).
    static func approximateCount(_ slicing: TimeSlicing, start: Int64, end: Int64) -> Int {
        let span = max(0, end - start)
        let shortest: Int64
        switch slicing {
        case .whole: return 1
        case .calendar(let size):
            // A wall-clock window is at most an hour shorter than nominal (DST); months are at least 28 days.
            let nominal = size.shortestMillis
            shortest = max(1, size.unit == .minute || size.unit == .hour ? nominal : nominal - ZonedClock.millisPerHour)
        case .elapsed(let step): shortest = max(1, step)
        case .monthsFromStart(let months): shortest = Int64(max(1, months)) * 28 * ZonedClock.millisPerDay
        }
        return Int(min(span / shortest + 2, Int64(Int32.max)))
    }

    /// The first calendar boundary strictly after a wall-clock time.
    static func nextBoundary(afterLocal wall: Int64, size: CalendarDuration) -> Int64 {
        let value = Int64(max(1, size.value))
        let step: Int64
        switch size.unit {
        case .minute: step = value * ZonedClock.millisPerMinute
        case .hour: step = value * ZonedClock.millisPerHour
        case .day: step = value * ZonedClock.millisPerDay
        case .week: step = value * 7 * ZonedClock.millisPerDay
        case .month:
            let parts = LocalDateTimeParts(localMillis: wall)
            let index = Int64(parts.year) * 12 + Int64(parts.month - 1)
            let next = (floorDiv(index, value) + 1) * value
            let year = floorDiv(next, 12)
            return LocalDateTimeParts(year: Int(year), month: Int(next - year * 12) + 1, day: 1).localMillis
        }
        return anchor + (floorDiv(wall - anchor, step) + 1) * step
    }

    /// Whether every window of this size is at most the API's 3-month maximum: the shortest three consecutive
    /// months are 89 days (February to April in a common year).
    static func fitsMaximumRange(_ size: CalendarDuration) -> Bool {
        let days = 89
        switch size.unit {
        case .minute: return size.value <= days * 1440
        case .hour: return size.value <= days * 24
        case .day: return size.value <= days
        case .week: return size.value * 7 <= days
        case .month: return size.value <= 3
        }
    }

    /// A nominal length: months count 30 days (`CalendarDuration.nominalMillis`, the one rule).
    static func nominalMillis(_ size: CalendarDuration) -> Int64 { size.nominalMillis }
}

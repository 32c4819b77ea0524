import AnalyticsAPI
import ExportBasics
import ExportSpec

/// Resolves `window:` against "now" in a zone, and clips it to the retention horizon.
///
/// `to: today` is local midnight at the start of now's day; `to: now` is now. `last: Nd|Nw|Nmo` counts calendar
/// days, weeks or months back on the wall clock (so `last: 1d` across a DST change is 23 or 25 hours);
/// `last: Nh|Nmin` counts elapsed time. The retention horizon is local midnight at the start of the day that
/// contains now − 18 calendar months: it moves once a day rather than every run (and so do the ids of the chunks
/// it cuts), and `last: 18mo` to `today` starts exactly on it. The hours of that day already past retention just
/// return no rows.
enum WindowResolver {
    static func resolve(
        _ window: WindowSpec, clock: ZonedClock, now: Int64, exportName: String
    ) -> (window: ResolvedWindow?, diagnostics: [Diagnostic]) {
        let end: Int64
        switch window.end {
        case .at(let dateTime): end = clock.instant(fromLocal: dateTime.parts.localMillis)
        case .today: end = clock.instant(fromLocal: clock.startOfLocalDay(now))
        case .now: end = now
        }
        let start: Int64
        switch window.start {
        case .at(let dateTime):
            start = clock.instant(fromLocal: dateTime.parts.localMillis)
        case .last(let duration):
            switch duration.unit {
            case .minute, .hour:
                start = end - TimeSlicer.nominalMillis(duration)
            case .day, .week:
                start = clock.instant(fromLocal: clock.local(end) - TimeSlicer.nominalMillis(duration))
            case .month:
                let parts = LocalDateTimeParts(localMillis: clock.local(end))
                start = clock.instant(fromLocal: parts.addingMonths(-duration.value).localMillis)
            }
        }
        let show = { (instant: Int64) in InstantFormat.readable(instant, in: clock) }
        guard start < end else {
            return (
                nil,
                [
                    .error(
                        at: window.location,
                        "the window of export '\(exportName)' is empty: it starts \(show(start)) and ends \(show(end))",
                        fix: "make `from:` earlier than `to:`")
                ]
            )
        }
        let horizon = retentionHorizon(now: now, clock: clock)
        guard start < horizon else { return (ResolvedWindow(start: start, end: end, clipped: false), []) }
        guard end > horizon else {
            return (
                nil,
                [
                    .error(
                        at: window.location,
                        "the window of export '\(exportName)' (\(show(start)) to \(show(end))) ends before the "
                            + "\(APILimits.retentionMonths)-month retention horizon (\(show(horizon))): "
                            + "the API keeps no data that old",
                        fix: "move the window after \(show(horizon))")
                ]
            )
        }
        return (
            ResolvedWindow(start: horizon, end: end, clipped: true),
            [
                .warning(
                    at: window.location,
                    "the window of export '\(exportName)' starts \(show(start)), before the "
                        + "\(APILimits.retentionMonths)-month retention horizon: planned from \(show(horizon)) instead",
                    fix: "data older than \(APILimits.retentionMonths) months is gone; start the window at "
                        + "\(show(horizon)) or later to silence this")
            ]
        )
    }

    /// Local midnight at the start of the day that contains now − 18 calendar months.
    static func retentionHorizon(now: Int64, clock: ZonedClock) -> Int64 {
        let back = LocalDateTimeParts(localMillis: clock.local(now)).addingMonths(-APILimits.retentionMonths)
        return clock.instant(fromLocal: floorDiv(back.localMillis, ZonedClock.millisPerDay) * ZonedClock.millisPerDay)
    }
}

extension LocalDateTime {
    /// The same wall-clock reading as `LocalDateTimeParts`.
    var parts: LocalDateTimeParts {
        LocalDateTimeParts(year: year, month: month, day: day, hour: hour, minute: minute, second: second)
    }
}

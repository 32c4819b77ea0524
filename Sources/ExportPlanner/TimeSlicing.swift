import ExportSpec

/// How one export's window is cut into time windows.
enum TimeSlicing: Sendable, Hashable {
    /// The whole window in one job.
    case whole
    /// Calendar-aligned boundaries in the export's zone (see `TimeSlicer`).
    case calendar(CalendarDuration)
    /// Every `stepMillis` of elapsed time from the window start (`timeInterval` buckets of at most a week).
    case elapsed(stepMillis: Int64)
    /// Every `months` calendar months from the window start (monthly `timeInterval` buckets).
    case monthsFromStart(Int)
}

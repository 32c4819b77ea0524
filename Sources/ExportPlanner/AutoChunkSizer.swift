import ExportSpec

/// `chunk: auto`: the largest calendar-aligned size whose jobs stay under the target rows.
///
/// Larger chunks mean fewer jobs, and every job pays `CostModel.baseSeconds` and a place in the queue; the target
/// keeps each job out of the cost model's superlinear range and small enough to retry cheaply.
public enum AutoChunkSizer {
    /// The sizes `auto` chooses from, smallest first.
    public static let sizes: [CalendarDuration] = [
        CalendarDuration(1, .hour), CalendarDuration(6, .hour), CalendarDuration(1, .day), CalendarDuration(7, .day),
        CalendarDuration(1, .month), CalendarDuration(3, .month),
    ]

    /// The longest a window of each size can be, in days (a month is at most 31 days, a quarter 92).
    static func longestDays(_ size: CalendarDuration) -> Double {
        switch size.unit {
        case .minute: Double(size.value) / 1440
        case .hour: Double(size.value) / 24
        case .day: Double(size.value)
        case .week: Double(size.value * 7)
        case .month: Double(size.value) * 92 / 3
        }
    }

    /// The chosen size, and whether even the smallest size is expected to exceed the target.
    public static func choose(rowsPerDayPerJob: Double, targetRowsPerJob: Int) -> (
        size: CalendarDuration, overTarget: Bool
    ) {
        let target = Double(max(1, targetRowsPerJob))
        for size in sizes.reversed() where rowsPerDayPerJob * longestDays(size) <= target {
            return (size, false)
        }
        return (sizes[0], true)
    }
}

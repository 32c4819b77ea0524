import ExportBasics

/// Which nights a pipeline runs on (`NightlyWorkspace.runNights`): consecutive days from `firstDay`, each at the
/// same UTC time, some skipped, one perhaps killed with SIGKILL mid-run and run again.
public struct NightlySchedule: Sendable {
    /// The first night's date, `YYYY-MM-DD`.
    public var firstDay: String
    public var nights: Int
    /// The UTC time of day every night's run is at (its `--now`), `HH:MM:SSZ`.
    public var timeOfDay: String
    /// Nights (1-based) on which no run happens.
    public var skipped: Set<Int>
    /// The night (1-based) whose first run is killed with SIGKILL on a progress event, then run again.
    public var killed: Int?

    public init(
        firstDay: String, nights: Int, timeOfDay: String = "10:00:00Z", skipped: Set<Int> = [], killed: Int? = nil
    ) {
        self.firstDay = firstDay
        self.nights = nights
        self.timeOfDay = timeOfDay
        self.skipped = skipped
        self.killed = killed
    }

    /// Days since 1970 of the first night's date.
    var firstDays: Int64 {
        let parts = firstDay.split(separator: "-").compactMap { Int($0) }
        precondition(parts.count == 3, "firstDay must be YYYY-MM-DD")
        return CivilDate.days(year: parts[0], month: parts[1], day: parts[2])
    }

    /// The date of night `number` (1-based) plus `offset` days, `YYYY-MM-DD`.
    public func date(of number: Int, offset: Int = 0) -> String {
        let (year, month, day) = CivilDate.fromDays(firstDays + Int64(number - 1 + offset))
        func pad(_ value: Int, _ width: Int) -> String {
            String(repeating: "0", count: max(0, width - String(value).count)) + String(value)
        }
        return "\(pad(year, 4))-\(pad(month, 2))-\(pad(day, 2))"
    }

    /// Night `number`'s `--now`, e.g. `2026-10-20T10:00:00Z`.
    public func now(of number: Int) -> String { date(of: number) + "T" + timeOfDay }

    /// The nights that run, in order.
    public var running: [Int] { (1...nights).filter { !skipped.contains($0) } }
}

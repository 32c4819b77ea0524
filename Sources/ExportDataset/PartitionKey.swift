import CSVMerge
import ExportBasics
import ExportPlanner
import ExportSpec

/// One partition of a dataset: a local day or a local calendar month in the spec's time zone.
///
/// Ordered by time; `text` is `2026-11-20` or `2026-11`, `directoryName` the Hive-style folder
/// (`day=2026-11-20`, `month=2026-11`).
public struct PartitionKey: Sendable, Hashable, Comparable, CustomStringConvertible {
    public let grain: PartitionGrain
    public let year: Int
    public let month: Int
    /// The day of the month (1 for a month partition).
    public let day: Int

    /// The partition of `grain` that holds the local date `year-month-day`.
    public init(_ grain: PartitionGrain, year: Int, month: Int, day: Int = 1) {
        self.grain = grain
        self.year = year
        self.month = month
        self.day = grain == .month ? 1 : day
    }

    /// The partition of `grain` that holds local day number `days` (days since 1970-01-01).
    public init(_ grain: PartitionGrain, dayNumber days: Int64) {
        let date = CivilDate.fromDays(days)
        self.init(grain, year: date.year, month: date.month, day: date.day)
    }

    /// The partition that holds `instant` (epoch milliseconds) on `clock`'s wall clock.
    public init(_ grain: PartitionGrain, containing instant: Int64, clock: ZonedClock) {
        self.init(grain, dayNumber: floorDiv(clock.local(instant), CivilDate.millisPerDay))
    }

    /// Parses `2026-11-20` (day) or `2026-11` (month); nil when the text is not such a partition.
    public init?(parsing text: String, grain: PartitionGrain) {
        // Byte by byte: a manifest's every entry is parsed by every run (`DatasetManifest.byKey`).
        var text = text
        guard let key = text.withUTF8({ Self.parse($0, grain: grain) }) else { return nil }
        self = key
    }

    /// `YYYY-MM-DD` (day) or `YYYY-MM` (month), digits only, a real date.
    private static func parse(_ bytes: UnsafeBufferPointer<UInt8>, grain: PartitionGrain) -> PartitionKey? {
        guard bytes.count == (grain == .day ? 10 : 7), bytes[4] == UInt8(ascii: "-"),
            grain == .month || bytes[7] == UInt8(ascii: "-")
        else { return nil }
        func number(_ range: Range<Int>) -> Int? {
            var value = 0
            for index in range {
                let digit = bytes[index] &- UInt8(ascii: "0")
                guard digit < 10 else { return nil }
                value = value * 10 + Int(digit)
            }
            return value
        }
        guard let year = number(0..<4), let month = number(5..<7), (1...12).contains(month) else { return nil }
        guard grain == .day else { return PartitionKey(.month, year: year, month: month) }
        guard let day = number(8..<10), (1...CivilDate.daysInMonth(year: year, month: month)).contains(day) else {
            return nil
        }
        return PartitionKey(.day, year: year, month: month, day: day)
    }

    /// Parses a folder name, `day=2026-11-20` or `month=2026-11`.
    public init?(directoryName name: String) {
        guard let equals = name.firstIndex(of: "="), let grain = PartitionGrain(rawValue: String(name[..<equals]))
        else { return nil }
        self.init(parsing: String(name[name.index(after: equals)...]), grain: grain)
    }

    /// Days since 1970-01-01 of the partition's first local day.
    public var firstDay: Int64 { CivilDate.days(year: year, month: month, day: day) }

    /// Days since 1970-01-01 of the partition's last local day.
    public var lastDay: Int64 { next.firstDay - 1 }

    /// The partition right after this one.
    public var next: PartitionKey {
        switch grain {
        case .day: PartitionKey(.day, dayNumber: firstDay + 1)
        case .month:
            month == 12
                ? PartitionKey(.month, year: year + 1, month: 1) : PartitionKey(.month, year: year, month: month + 1)
        }
    }

    /// `2026-11-20` or `2026-11`.
    public var text: String {
        let yearMonth = InstantFormat.pad(year, 4) + "-" + InstantFormat.pad(month, 2)
        return grain == .day ? yearMonth + "-" + InstantFormat.pad(day, 2) : yearMonth
    }

    /// `day=2026-11-20` or `month=2026-11`.
    public var directoryName: String { grain.rawValue + "=" + text }

    public var description: String { text }

    /// The partition's window: from its first local midnight to the next partition's, as instants on `clock`
    /// (a day is 23 or 25 hours long when the clocks change).
    public func window(on clock: ZonedClock) -> TimeWindow {
        TimeWindow(
            startMs: clock.instant(fromLocal: firstDay * CivilDate.millisPerDay),
            endMs: clock.instant(fromLocal: next.firstDay * CivilDate.millisPerDay))
    }

    /// The partitions of `grain` that `window` touches, in order (none for an empty window).
    public static func covering(_ window: TimeWindow, grain: PartitionGrain, clock: ZonedClock) -> [PartitionKey] {
        guard window.endMs > window.startMs else { return [] }
        var keys: [PartitionKey] = []
        var key = PartitionKey(grain, containing: window.startMs, clock: clock)
        while key.window(on: clock).startMs < window.endMs {
            keys.append(key)
            key = key.next
        }
        return keys
    }

    public static func < (lhs: PartitionKey, rhs: PartitionKey) -> Bool {
        (lhs.year, lhs.month, lhs.day, lhs.grain.rawValue) < (rhs.year, rhs.month, rhs.day, rhs.grain.rawValue)
    }
}

import Foundation

/// A calendar duration such as `6h`, `1d`, `7d`, `2w`, `1mo`.
public struct CalendarDuration: Sendable, Hashable, Codable, CustomStringConvertible {
    public enum Unit: String, Sendable, Hashable, Codable, CaseIterable {
        case minute = "min"
        case hour = "h"
        case day = "d"
        case week = "w"
        case month = "mo"
    }
    public var value: Int
    public var unit: Unit

    public init(_ value: Int, _ unit: Unit) {
        self.value = value
        self.unit = unit
    }

    public var description: String { "\(value)\(unit.rawValue)" }

    /// The one rule for a duration's length where no calendar is at hand (docs/spec.md, "Durations"): a minute,
    /// hour, day and week are what they say; a month counts 30 days as an amount of time (`settle`, `stuck_after`,
    /// `deadline`, a `last:` window's length, sizes compared against each other) and 28 days — the shortest
    /// month — as a lower bound that a calendar cut must be allowed to meet (`min_chunk`: a 1-month minimum never
    /// stops February from being split off).
    public var nominalMillis: Int64 { Int64(value) * unitMillis(monthDays: 30) }

    /// The shortest this duration can be on a calendar: months as 28 days (see `nominalMillis`).
    public var shortestMillis: Int64 { Int64(value) * unitMillis(monthDays: 28) }

    /// `nominalMillis` in seconds.
    public var nominalSeconds: Double { Double(nominalMillis) / 1000 }

    private func unitMillis(monthDays: Int64) -> Int64 {
        switch unit {
        case .minute: 60_000
        case .hour: 3_600_000
        case .day: 86_400_000
        case .week: 7 * 86_400_000
        case .month: monthDays * 86_400_000
        }
    }

    /// Parses `6h`, `90min`, `1d`, `2w`, `1mo`; nil when malformed or not positive.
    public init?(parsing text: String) {
        let digits = text.prefix { $0.isASCII && $0.isNumber }
        guard !digits.isEmpty, digits.count <= 6, let value = Int(digits), value > 0,
            let unit = Unit(rawValue: String(text.dropFirst(digits.count)))
        else { return nil }
        self.init(value, unit)
    }
}

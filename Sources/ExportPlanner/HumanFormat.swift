/// A non-negative whole number from a computed `Double`, capped at 10^15 so that absurd inputs (a volume hint of
/// 10^30 rows) cannot trap on conversion; NaN becomes 0.
func saturatingInt(_ value: Double) -> Int {
    guard value.isFinite || value == .infinity else { return 0 }
    return Int(min(max(0, value), 1e15).rounded())
}

/// Numbers and durations written for people, independent of the machine's locale.
public enum HumanFormat {
    /// `1234567` → `1,234,567`.
    public static func count(_ value: Int) -> String {
        let digits = String(value.magnitude)
        var out = ""
        for (index, character) in digits.enumerated() {
            if index > 0 && (digits.count - index) % 3 == 0 { out.append(",") }
            out.append(character)
        }
        return (value < 0 ? "-" : "") + out
    }

    /// Seconds as `45s`, `12m 30s`, `3h 20m`, `5d 3h`.
    public static func duration(seconds: Double) -> String {
        let total = saturatingInt(seconds)
        let days = total / 86_400
        let hours = total % 86_400 / 3600
        let minutes = total % 3600 / 60
        let secs = total % 60
        if days > 0 { return "\(days)d \(hours)h" }
        if hours > 0 { return "\(hours)h \(minutes)m" }
        if minutes > 0 { return "\(minutes)m \(secs)s" }
        return "\(secs)s"
    }

    /// A `timeInterval` as `1h`, `15min`, `1d`, `1w`; above one week, `1mo` (calendar-month buckets).
    public static func interval(millis: Int64) -> String {
        if millis > 604_800_000 { return "1mo" }
        if millis % 604_800_000 == 0 { return "\(millis / 604_800_000)w" }
        if millis % 86_400_000 == 0 { return "\(millis / 86_400_000)d" }
        if millis % 3_600_000 == 0 { return "\(millis / 3_600_000)h" }
        if millis % 60_000 == 0 { return "\(millis / 60_000)min" }
        return "\(millis)ms"
    }
}

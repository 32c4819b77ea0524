import AnalyticsAPI
import ExportBasics
import Foundation

/// Formats instants as the exports write them: ISO 8601 with milliseconds and the offset in force,
/// `2025-03-09T03:15:00.000-04:00`, in an IANA time zone (DST-correct) or a fixed offset; UTC is `+00:00`.
public struct TimestampFormatter: Sendable {
    private enum Zone: Sendable {
        case fixed(seconds: Int)
        case named(TimeZone)
    }

    private let zone: Zone
    /// How `format` writes an instant (ISO 8601 with offset unless set).
    public var style: TimeFormatStyle = .iso
    /// Offsets by quarter-hour slot: every zone changes offset on a quarter hour, and rows arrive in time order.
    private var cache: [Int64: Int] = [:]

    /// UTC.
    public init() { zone = .fixed(seconds: 0) }

    /// A fixed offset in milliseconds (`timezoneOffset`), which is not DST-aware.
    public init(offsetMillis: Int64) { zone = .fixed(seconds: Int(offsetMillis / 1000)) }

    /// An IANA zone such as `America/New_York`; nil when the id is unknown.
    public init?(timeZoneID: String) {
        guard let timeZone = TimeZone(identifier: timeZoneID) else { return nil }
        zone = .named(timeZone)
    }

    /// The offset from UTC in seconds at `millis`.
    public mutating func offsetSeconds(at millis: Int64) -> Int {
        switch zone {
        case .fixed(let seconds):
            return seconds
        case .named(let timeZone):
            let key = floorDiv(millis, 900_000)
            if let cached = cache[key] { return cached }
            let offset = timeZone.secondsFromGMT(for: Date(timeIntervalSince1970: Double(key * 900)))
            if cache.count > 4_096 { cache.removeAll(keepingCapacity: true) }
            cache[key] = offset
            return offset
        }
    }

    /// `millis` (epoch milliseconds) as `yyyy-MM-ddTHH:mm:ss.SSS±hh:mm`.
    public mutating func format(_ millis: Int64) -> String {
        if style == .epoch { return String(millis) }
        let offset = offsetSeconds(at: millis)
        let local = millis + Int64(offset) * 1000
        let days = floorDiv(local, 86_400_000)
        let msOfDay = local - days * 86_400_000
        let civil = CivilDate.fromDays(days)
        let (year, month, day) = (Int64(civil.year), Int64(civil.month), Int64(civil.day))
        let hour = msOfDay / 3_600_000
        let minute = (msOfDay / 60_000) % 60
        let second = (msOfDay / 1000) % 60
        let ms = msOfDay % 1000
        let sign = offset < 0 ? "-" : "+"
        let absOffset = abs(offset)
        var out = ""
        out.reserveCapacity(29)
        if style == .us {
            // 10/05/2026 01:04:11 PM, as a US spreadsheet writes it (`.fff` only when not zero).
            let twelve = hour % 12 == 0 ? 12 : hour % 12
            out += pad(month, 2) + "/" + pad(day, 2) + "/" + pad(year, 4) + " " + pad(twelve, 2) + ":" + pad(minute, 2)
            out += ":" + pad(second, 2) + (ms != 0 ? "." + pad(ms, 3) : "") + (hour < 12 ? " AM" : " PM")
            return out
        }
        out += pad(year, 4) + "-" + pad(month, 2) + "-" + pad(day, 2) + "T"
        if style == .local {
            out.removeLast()
            out += " " + pad(hour, 2) + ":" + pad(minute, 2) + ":" + pad(second, 2)
            if ms != 0 { out += "." + pad(ms, 3) }
            return out
        }
        out += pad(hour, 2) + ":" + pad(minute, 2) + ":" + pad(second, 2) + "." + pad(ms, 3)
        out += sign + pad(Int64(absOffset / 3600), 2) + ":" + pad(Int64((absOffset / 60) % 60), 2)
        return out
    }

    private func pad(_ value: Int64, _ width: Int) -> String {
        let s = String(value)
        return s.count >= width ? s : String(repeating: "0", count: width - s.count) + s
    }
}

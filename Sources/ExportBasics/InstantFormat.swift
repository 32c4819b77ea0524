import Foundation

/// ISO 8601 instants with an explicit UTC offset, formatted and parsed without locale or platform differences.
public enum InstantFormat {
    /// `2025-03-09T03:00:00-04:00` (with `.123` when the milliseconds are not zero): `instant` (epoch
    /// milliseconds) written in local time at `offsetMillis` from UTC.
    public static func iso8601(_ instant: Int64, offsetMillis offset: Int64) -> String {
        let parts = LocalDateTimeParts(localMillis: instant + offset)
        var text = "\(pad(parts.year, 4))-\(pad(parts.month, 2))-\(pad(parts.day, 2))T"
        text += "\(pad(parts.hour, 2)):\(pad(parts.minute, 2)):\(pad(parts.second, 2))"
        if parts.millisecond != 0 { text += ".\(pad(parts.millisecond, 3))" }
        return text + offsetText(offset)
    }

    /// `2026-11-29T12:00:00Z`: an instant in UTC to the second, as summaries, reports and lock files write it;
    /// `2026-11-29T12:00:00.000Z` with `milliseconds` (manifests' windows).
    public static func utc(_ instant: Int64, milliseconds: Bool = false) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(24)
        appendUTC(instant, milliseconds: milliseconds, to: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Appends `utc(instant, milliseconds:)`'s text to `bytes` as UTF-8, digit by digit, with no string in between
    /// (a dataset manifest writes two per partition, every night: `DatasetManifest.jsonBytes`).
    public static func appendUTC(_ instant: Int64, milliseconds: Bool = false, to bytes: inout [UInt8]) {
        let parts = LocalDateTimeParts(localMillis: milliseconds ? instant : floorDiv(instant, 1000) * 1000)
        Decimal.append(parts.year, width: 4, to: &bytes)
        bytes.append(UInt8(ascii: "-"))
        Decimal.append(parts.month, width: 2, to: &bytes)
        bytes.append(UInt8(ascii: "-"))
        Decimal.append(parts.day, width: 2, to: &bytes)
        bytes.append(UInt8(ascii: "T"))
        Decimal.append(parts.hour, width: 2, to: &bytes)
        bytes.append(UInt8(ascii: ":"))
        Decimal.append(parts.minute, width: 2, to: &bytes)
        bytes.append(UInt8(ascii: ":"))
        Decimal.append(parts.second, width: 2, to: &bytes)
        if milliseconds {
            bytes.append(UInt8(ascii: "."))
            Decimal.append(parts.millisecond, width: 3, to: &bytes)
        }
        bytes.append(UInt8(ascii: "Z"))
    }

    /// Decimal digits appended to bytes.
    public enum Decimal {
        /// `value` in decimal, `-` first when negative.
        public static func append(_ value: Int64, to bytes: inout [UInt8]) {
            if value < 0 { bytes.append(UInt8(ascii: "-")) }
            var magnitude = value.magnitude
            // Up to 20 digits, written backwards into 24 bytes.
            var digits: (UInt64, UInt64, UInt64) = (0, 0, 0)
            withUnsafeMutableBytes(of: &digits) { buffer in
                var index = buffer.count
                repeat {
                    index -= 1
                    buffer[index] = UInt8(ascii: "0") + UInt8(magnitude % 10)
                    magnitude /= 10
                } while magnitude > 0
                bytes.append(contentsOf: buffer[index...])
            }
        }

        /// A non-negative `value` as at least `width` digits, zeros first.
        public static func append(_ value: Int, width: Int, to bytes: inout [UInt8]) {
            var bound = 10
            for _ in 1..<max(width, 1) {
                if value < bound { bytes.append(UInt8(ascii: "0")) }
                bound *= 10
            }
            append(Int64(value), to: &bytes)
        }
    }

    /// `14:05:09`: the time of day of `instant` at `offsetMillis` from UTC (progress lines).
    public static func timeOfDay(_ instant: Int64, offsetMillis offset: Int64) -> String {
        let parts = LocalDateTimeParts(localMillis: instant + offset)
        return "\(pad(parts.hour, 2)):\(pad(parts.minute, 2)):\(pad(parts.second, 2))"
    }

    /// `utc` of a `Date`.
    public static func utc(_ date: Date) -> String { utc(Int64((date.timeIntervalSince1970 * 1000).rounded(.down))) }

    /// `2025-03-09 03:00 -04:00` (seconds shown only when not zero), for tables.
    public static func readable(_ instant: Int64, offsetMillis offset: Int64) -> String {
        let parts = LocalDateTimeParts(localMillis: instant + offset)
        var text = "\(pad(parts.year, 4))-\(pad(parts.month, 2))-\(pad(parts.day, 2)) "
        text += "\(pad(parts.hour, 2)):\(pad(parts.minute, 2))"
        if parts.second != 0 || parts.millisecond != 0 { text += ":\(pad(parts.second, 2))" }
        return text + " " + offsetText(offset)
    }

    /// `+02:00`, `-04:00`, `+05:45`, `+00:00`.
    public static func offsetText(_ offsetMillis: Int64) -> String {
        let minutes = Int(offsetMillis.magnitude / 60_000)
        return (offsetMillis < 0 ? "-" : "+") + pad(minutes / 60, 2) + ":" + pad(minutes % 60, 2)
    }

    public static func pad(_ value: Int, _ width: Int) -> String {
        let text = String(value)
        return String(repeating: "0", count: max(0, width - text.count)) + text
    }

    /// Parses an instant as `parse` does, or a plain date `2026-11-29` as its midnight UTC (what `--now` and
    /// `EXPORTPIPE_NOW` take); nil for anything else.
    public static func parseDateOrInstant(_ text: String) -> Int64? {
        if let millis = parse(text) { return millis }
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
            let year = Int(parts[0]), let month = Int(parts[1]), let day = Int(parts[2]),
            (1...12).contains(month), (1...CivilDate.daysInMonth(year: year, month: month)).contains(day)
        else { return nil }
        return CivilDate.days(year: year, month: month, day: day) * CivilDate.millisPerDay
    }

    /// Parses `2026-11-29T14:00:00Z`, `2026-11-29T14:00Z`, `2026-11-29T09:00:00.250-05:00`; nil when the text is
    /// not such an instant (a date or time without `Z` or an offset is rejected: it would be ambiguous).
    public static func parse(_ text: String) -> Int64? {
        let bytes = Array(text.utf8)
        var index = 0
        func number(_ width: Int) -> Int? {
            guard index + width <= bytes.count else { return nil }
            var value = 0
            for byte in bytes[index..<index + width] {
                guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
                value = value * 10 + Int(byte - UInt8(ascii: "0"))
            }
            index += width
            return value
        }
        func expect(_ character: Character) -> Bool {
            guard index < bytes.count, let ascii = character.asciiValue, bytes[index] == ascii else { return false }
            index += 1
            return true
        }
        guard let year = number(4), expect("-"), let month = number(2), expect("-"), let day = number(2),
            expect("T") || expect(" "), let hour = number(2), expect(":"), let minute = number(2)
        else { return nil }
        var second = 0
        var millisecond = 0
        if expect(":") {
            guard let value = number(2) else { return nil }
            second = value
            if expect(".") {
                let start = index
                while index < bytes.count, bytes[index] >= UInt8(ascii: "0"), bytes[index] <= UInt8(ascii: "9") {
                    index += 1
                }
                let fraction = bytes[start..<index].prefix(3)
                guard !fraction.isEmpty else { return nil }
                let padded = Array(fraction) + Array(repeating: UInt8(ascii: "0"), count: 3 - fraction.count)
                millisecond = padded.reduce(0) { $0 * 10 + Int($1 - UInt8(ascii: "0")) }
            }
        }
        var offsetMinutes = 0
        if expect("Z") || expect("z") {
            offsetMinutes = 0
        } else if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") {
            let sign = bytes[index] == UInt8(ascii: "-") ? -1 : 1
            index += 1
            guard let hours = number(2) else { return nil }
            _ = expect(":")
            guard let minutes = number(2) else { return nil }
            offsetMinutes = sign * (hours * 60 + minutes)
        } else {
            return nil
        }
        guard index == bytes.count, (1...12).contains(month),
            (1...CivilDate.daysInMonth(year: year, month: month)).contains(day), hour < 24, minute < 60, second < 60
        else { return nil }
        let local = LocalDateTimeParts(
            year: year, month: month, day: day, hour: hour, minute: minute, second: second, millisecond: millisecond)
        return local.localMillis - Int64(offsetMinutes) * 60_000
    }
}

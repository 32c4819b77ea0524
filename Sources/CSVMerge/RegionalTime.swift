import ExportBasics

/// Which of a slash date's first two numbers is the month (`05/10/2026`: May 10th or October 5th).
public enum DateOrder: String, Sendable, Hashable, Codable {
    case monthFirst
    case dayFirst

    /// What a request's `locale` writes: month first for US English and for no locale or bare `en` (the vendor's
    /// own default), day first for every other locale.
    public init(locale: String?) {
        guard let locale = locale?.lowercased().replacingOccurrences(of: "_", with: "-"), !locale.isEmpty else {
            self = .monthFirst
            return
        }
        let parts = locale.split(separator: "-")
        if parts.first == "en" && (parts.count == 1 || parts.contains("us")) {
            self = .monthFirst
        } else {
            self = .dayFirst
        }
    }
}

/// Parses the date-and-time forms spreadsheets and regional settings write ("times follow the company setting or
/// the locale" is all the docs say), straight from bytes, into wall-clock milliseconds (read as UTC, for the caller
/// to place in the chunk's zone):
///
/// - `M/D/YYYY` or `D/M/YYYY` (1 or 2 digits each), `D.M.YYYY`, `YYYY/M/D`;
/// - optionally followed by a space, `T` or `, ` and `H:MM[:SS[.fff]]` (1 or 2 hour digits), optionally followed by
///   `AM`/`PM` (any case, with or without a space before it): 12-hour time.
///
/// A slash date whose first number is above 12 is day-first and whose second is above 12 is month-first whatever
/// the order given; the first such date also settles the order for the ambiguous ones after it in the same file.
enum RegionalTime {
    @inline(__always)
    static func parse(_ bytes: UnsafeRawBufferPointer, order: inout DateOrder) -> Int64? {
        let count = bytes.count
        guard count >= 8 else { return nil }
        var index = 0
        guard let first = number(bytes, &index, maxDigits: 4) else { return nil }
        guard index < count, bytes[index] == 0x2F || bytes[index] == 0x2E else { return nil }
        let separator = bytes[index]
        index += 1
        guard let second = number(bytes, &index, maxDigits: 2), index < count, bytes[index] == separator else {
            return nil
        }
        index += 1
        guard let third = number(bytes, &index, maxDigits: 4) else { return nil }
        var year: Int64
        var month: Int64
        var day: Int64
        if first >= 1000 {
            // YYYY/M/D
            guard separator == 0x2F, third <= 31 else { return nil }
            (year, month, day) = (first, second, third)
        } else {
            guard third >= 1000 else { return nil }
            year = third
            if separator == 0x2E || first > 12 {
                (day, month) = (first, second)
                if separator == 0x2F && second <= 12 { order = .dayFirst }
            } else if second > 12 {
                (month, day) = (first, second)
                order = .monthFirst
            } else if order == .dayFirst {
                (day, month) = (first, second)
            } else {
                (month, day) = (first, second)
            }
        }
        guard (1...12).contains(month), (1...31).contains(day) else { return nil }
        var milliseconds = CivilDate.days(year: Int(year), month: Int(month), day: Int(day)) * 86_400_000
        if index == count { return milliseconds }
        // The time: after a space, a `T` or ", ".
        if bytes[index] == 0x2C { index += 1 }
        guard index < count, bytes[index] == 0x20 || bytes[index] == 0x54 else { return nil }
        index += 1
        guard var hour = number(bytes, &index, maxDigits: 2), index < count, bytes[index] == 0x3A else { return nil }
        index += 1
        guard let minute = ISO8601Instant.digits(bytes, &index, 2), minute < 60 else { return nil }
        var seconds: Int64 = 0
        var fraction: Int64 = 0
        if index < count && bytes[index] == 0x3A {
            index += 1
            guard let second = ISO8601Instant.digits(bytes, &index, 2), second <= 60 else { return nil }
            seconds = second
            if index < count && (bytes[index] == 0x2E || bytes[index] == 0x2C) {
                index += 1
                guard let milliseconds = ISO8601Instant.fractionMilliseconds(bytes, &index) else { return nil }
                fraction = milliseconds
            }
        }
        if index < count && bytes[index] == 0x20 { index += 1 }
        if index < count {
            // AM / PM, any case.
            guard index + 2 == count, bytes[index + 1] | 0x20 == 0x6D, (1...12).contains(hour) else { return nil }
            switch bytes[index] | 0x20 {
            case 0x61: if hour == 12 { hour = 0 }
            case 0x70: if hour != 12 { hour += 12 }
            default: return nil
            }
        }
        guard hour < 24 else { return nil }
        milliseconds += ((hour * 60 + minute) * 60 + seconds) * 1000 + fraction
        return milliseconds
    }

    /// 1 to `maxDigits` digits.
    @inline(__always)
    private static func number(_ bytes: UnsafeRawBufferPointer, _ index: inout Int, maxDigits: Int) -> Int64? {
        var value: Int64 = 0
        let start = index
        while index < bytes.count, index - start < maxDigits, bytes[index] &- 0x30 < 10 {
            value = value * 10 + Int64(bytes[index] &- 0x30)
            index += 1
        }
        guard index > start else { return nil }
        if index < bytes.count && bytes[index] &- 0x30 < 10 { return nil }
        return value
    }
}

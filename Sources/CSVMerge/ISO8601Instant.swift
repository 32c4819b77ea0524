import ExportBasics

/// Parses ISO 8601 timestamps straight from bytes into epoch milliseconds, for comparing sort keys as instants.
///
/// Accepted: `YYYY-MM-DD`, optionally followed by `T` (or a space) and `HH:MM[:SS[.fraction]]`, optionally
/// followed by `Z`, `±HH:MM`, `±HHMM` or `±HH`. Fractions beyond milliseconds are truncated. A timestamp without
/// an offset is read as UTC, so naive timestamps still order among themselves. Anything else returns `nil`, and
/// the caller falls back to comparing bytes.
public enum ISO8601Instant {
    /// The instant `bytes` denotes, in milliseconds since 1970-01-01T00:00:00Z, or `nil` if it does not parse.
    @inline(__always)
    public static func epochMilliseconds(_ bytes: UnsafeRawBufferPointer) -> Int64? {
        var naive = false
        return parse(bytes, naive: &naive)
    }

    /// The instant `bytes` denotes, like `epochMilliseconds`; `naive` is set when the value has no offset (the
    /// result is then its wall-clock time read as UTC, for the caller to place in a zone).
    @inline(__always)
    public static func parse(_ bytes: UnsafeRawBufferPointer, naive: inout Bool) -> Int64? {
        // Straight-line code over an index (no closures capturing it): this runs once per record and sort column.
        let count = bytes.count
        guard count >= 10 else { return nil }
        var index = 0
        guard let year = digits(bytes, &index, 4), expect(bytes, &index, 0x2D), let month = digits(bytes, &index, 2),
            expect(bytes, &index, 0x2D), let day = digits(bytes, &index, 2), (1...12).contains(month),
            (1...31).contains(day)
        else { return nil }
        var milliseconds = CivilDate.days(year: Int(year), month: Int(month), day: Int(day)) * 86_400_000
        if index == count {
            naive = true
            return milliseconds
        }
        guard bytes[index] == 0x54 || bytes[index] == 0x20 || bytes[index] == 0x74 else { return nil }
        index += 1
        guard let hour = digits(bytes, &index, 2), expect(bytes, &index, 0x3A), let minute = digits(bytes, &index, 2),
            hour < 24, minute < 60
        else { return nil }
        milliseconds += (hour * 3600 + minute * 60) * 1000
        if expect(bytes, &index, 0x3A) {
            guard let second = digits(bytes, &index, 2), second <= 60 else { return nil }
            milliseconds += second * 1000
            if expect(bytes, &index, 0x2E) || expect(bytes, &index, 0x2C) {
                guard let fraction = fractionMilliseconds(bytes, &index) else { return nil }
                milliseconds += fraction
            }
        }
        if index == count {
            naive = true
            return milliseconds
        }
        let sign = bytes[index]
        if sign == 0x5A || sign == 0x7A {
            return index + 1 == count ? milliseconds : nil
        }
        guard sign == 0x2B || sign == 0x2D else { return nil }
        index += 1
        guard let offsetHours = digits(bytes, &index, 2), offsetHours < 24 else { return nil }
        var offsetMinutes: Int64 = 0
        if index < count {
            _ = expect(bytes, &index, 0x3A)
            guard let minutes = digits(bytes, &index, 2), minutes < 60 else { return nil }
            offsetMinutes = minutes
        }
        guard index == count else { return nil }
        let offset = (offsetHours * 60 + offsetMinutes) * 60_000
        // Local time = UTC + offset, so UTC = local − offset.
        return sign == 0x2B ? milliseconds - offset : milliseconds + offset
    }

    /// The milliseconds of a fraction's digits (at least one; beyond the third they are truncated), or nil.
    @inline(__always)
    static func fractionMilliseconds(_ bytes: UnsafeRawBufferPointer, _ index: inout Int) -> Int64? {
        var milliseconds: Int64 = 0
        var scale: Int64 = 100
        let start = index
        while index < bytes.count, bytes[index] &- 0x30 < 10 {
            milliseconds += Int64(bytes[index] &- 0x30) * scale
            scale /= 10
            index += 1
        }
        return index > start ? milliseconds : nil
    }

    /// Exactly `length` digits.
    @inline(__always)
    static func digits(_ bytes: UnsafeRawBufferPointer, _ index: inout Int, _ length: Int) -> Int64? {
        guard index + length <= bytes.count else { return nil }
        var value: Int64 = 0
        for offset in index..<(index + length) {
            let digit = bytes[offset] &- 0x30
            guard digit < 10 else { return nil }
            value = value * 10 + Int64(digit)
        }
        index += length
        return value
    }

    @inline(__always)
    private static func expect(_ bytes: UnsafeRawBufferPointer, _ index: inout Int, _ byte: UInt8) -> Bool {
        guard index < bytes.count, bytes[index] == byte else { return false }
        index += 1
        return true
    }
}

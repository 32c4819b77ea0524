import ExportBasics
import Foundation

/// The zone a chunk was requested in, which is how its times without an offset are read.
public enum TimeReading: Sendable, Hashable {
    /// Times without an offset are UTC.
    case utc
    /// A fixed offset from UTC (`timezoneOffset`), in milliseconds: local = UTC + offset.
    case fixedOffset(millis: Int64)
    /// An IANA zone such as `America/New_York`, with its daylight-saving changes.
    case zone(String)
}

/// Reads the values of a time column as instants, in every form the API's documentation leaves open:
///
/// - ISO 8601 with an offset or `Z` (`2026-10-05T13:04:11.000-04:00`): the instant it says;
/// - `YYYY-MM-DD HH:MM:SS[.fff]`, `YYYY-MM-DDTHH:MM:SS` and a bare date, without an offset: wall-clock time in the
///   zone the chunk was requested in (`TimeReading`); in the hour a fall-back change repeats, the earlier reading is
///   taken unless it would go back before the previous value of the same file, so the two readings are told apart
///   by their position in the file; a time inside a spring-forward gap is read with the offset before the change;
/// - epoch seconds (9–11 digits, optionally with a fraction) or milliseconds (12–14 digits);
/// - regional forms, wall-clock time like the second: `10/05/2026 1:04:11 PM`, `05/10/2026 13:04`, `05.10.2026`,
///   `2026/10/05 13:04:11` (`RegionalTime`; a slash date's order from the chunk's locale, `DateOrder`, unless its
///   numbers settle it).
///
/// Anything else is `nil` (the merge then compares the value as text and says so). One reader per file and
/// column: it remembers the previous value for the fall-back hour.
public struct TimeValueReader {
    private enum Zone {
        case fixed(Int64)
        case named(TimeZone)
    }

    private let zone: Zone
    private var dateOrder: DateOrder
    /// The previous instant read, in file order.
    private var previous: Int64?
    /// Per local quarter hour: the UTC offsets (ms) of its earlier and later reading (equal when unambiguous).
    private var offsets: [Int64: (earlier: Int64, later: Int64)] = [:]
    private var lastSlot = Int64.min
    private var lastOffsets: (earlier: Int64, later: Int64) = (0, 0)

    public init(_ reading: TimeReading, dateOrder: DateOrder = .monthFirst) {
        self.dateOrder = dateOrder
        switch reading {
        case .utc: zone = .fixed(0)
        case .fixedOffset(let millis): zone = .fixed(millis)
        case .zone(let identifier):
            if let timeZone = TimeZone(identifier: identifier) {
                zone = .named(timeZone)
            } else {
                zone = .fixed(0)
            }
        }
    }

    /// The instant `bytes` denotes, in epoch milliseconds, or `nil` when it is in none of the forms.
    @inline(__always)
    public mutating func instant(_ bytes: UnsafeRawBufferPointer) -> Int64? {
        var naive = false
        if let parsed = ISO8601Instant.parse(bytes, naive: &naive) {
            // The common case: an offset was written, nothing else to do.
            guard naive else { return remember(parsed) }
            return remember(fromLocal: parsed)
        }
        if let instant = epoch(bytes) { return remember(instant) }
        return RegionalTime.parse(bytes, order: &dateOrder).map { remember(fromLocal: $0) }
    }

    /// `instant` over a string, for callers outside the merge loop.
    public mutating func instant(_ text: String) -> Int64? {
        var copy = text
        return copy.withUTF8 { instant(UnsafeRawBufferPointer($0)) }
    }

    @inline(__always)
    private mutating func remember(_ instant: Int64) -> Int64 {
        previous = instant
        return instant
    }

    private mutating func remember(fromLocal local: Int64) -> Int64 {
        switch zone {
        case .fixed(let offset):
            return remember(local - offset)
        case .named(let timeZone):
            let slot = floorDiv(local, 900_000)
            if slot != lastSlot {
                if let cached = offsets[slot] {
                    lastOffsets = cached
                } else {
                    lastOffsets = Self.offsets(atLocal: slot * 900_000, in: timeZone)
                    if offsets.count > 8_192 { offsets.removeAll(keepingCapacity: true) }
                    offsets[slot] = lastOffsets
                }
                lastSlot = slot
            }
            let earlier = local - lastOffsets.earlier
            let later = local - lastOffsets.later
            if earlier != later, let previous, earlier < previous { return remember(later) }
            return remember(earlier)
        }
    }

    /// The offsets in force at local time `local` (ms): both readings of a repeated hour, the offset before the
    /// change for a skipped one.
    static func offsets(atLocal local: Int64, in timeZone: TimeZone) -> (earlier: Int64, later: Int64) {
        func offset(atUTC millis: Int64) -> Int64 {
            Int64(timeZone.secondsFromGMT(for: Date(timeIntervalSince1970: Double(millis) / 1000))) * 1000
        }
        let day: Int64 = 86_400_000
        let before = offset(atUTC: local - 2 * day)
        let after = offset(atUTC: local + 2 * day)
        var valid: [Int64] = []
        for candidate in [before, offset(atUTC: local), after] where !valid.contains(candidate) {
            if offset(atUTC: local - candidate) == candidate { valid.append(candidate) }
        }
        guard let largest = valid.max(), let smallest = valid.min() else { return (before, before) }
        // A larger offset means an earlier instant for the same wall-clock time.
        return (largest, smallest)
    }

    /// Epoch seconds (9–11 digits, optional fraction) or milliseconds (12–14 digits), optionally negative.
    @inline(__always)
    private func epoch(_ bytes: UnsafeRawBufferPointer) -> Int64? {
        var index = 0
        let count = bytes.count
        var negative = false
        if index < count, bytes[index] == 0x2D {
            negative = true
            index += 1
        }
        var value: Int64 = 0
        var digits = 0
        while index < count, bytes[index] &- 0x30 < 10 {
            value = value &* 10 &+ Int64(bytes[index] &- 0x30)
            digits += 1
            index += 1
            if digits > 14 { return nil }
        }
        var millis: Int64
        switch digits {
        case 9...11:
            millis = value * 1000
            if index < count, bytes[index] == 0x2E {
                index += 1
                guard let fraction = ISO8601Instant.fractionMilliseconds(bytes, &index) else { return nil }
                millis += fraction
            }
        case 12...14:
            millis = value
        default:
            return nil
        }
        guard index == count else { return nil }
        return negative ? -millis : millis
    }
}

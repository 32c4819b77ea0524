import Foundation

/// The values of some columns of one record, copied out of the scanner's buffer and pre-parsed for comparing.
///
/// Reused from record to record (its arrays keep their capacity), so the merge loop does not allocate.
struct RecordKey {
    /// The unescaped values, one after another.
    private(set) var bytes: [UInt8] = []
    /// The end offset of each value in `bytes`.
    private(set) var ends: [Int] = []
    /// Each value as epoch milliseconds, or `Int64.min` when it is not an ISO 8601 timestamp.
    private(set) var instants: [Int64] = []

    /// Loads the values of `columns` (field indexes) of the scanner's current record.
    mutating func load(from scanner: CSVScanner, columns: [Int], parseInstants: Bool) {
        bytes.removeAll(keepingCapacity: true)
        ends.removeAll(keepingCapacity: true)
        instants.removeAll(keepingCapacity: true)
        for column in columns {
            let start = bytes.count
            scanner.appendFieldValue(column, to: &bytes)
            ends.append(bytes.count)
            guard parseInstants else { continue }
            let instant = bytes.withUnsafeBytes { all in
                ISO8601Instant.epochMilliseconds(UnsafeRawBufferPointer(rebasing: all[start..<bytes.count]))
            }
            instants.append(instant ?? Int64.min)
        }
    }

    /// Makes this key equal to `other`, reusing this key's storage (no sharing, so no copy-on-write later).
    mutating func copy(from other: RecordKey) {
        bytes.removeAll(keepingCapacity: true)
        bytes.append(contentsOf: other.bytes)
        ends.removeAll(keepingCapacity: true)
        ends.append(contentsOf: other.ends)
        instants.removeAll(keepingCapacity: true)
        instants.append(contentsOf: other.instants)
    }

    /// Orders two keys column by column: as instants when both values are ISO 8601 timestamps, numerically when
    /// both are all ASCII digits (by length, then bytes, so no overflow), otherwise bytewise.
    /// - Returns: a negative number, zero or a positive number.
    static func compare(_ a: RecordKey, _ b: RecordKey) -> Int {
        let columns = min(a.ends.count, b.ends.count)
        var column = 0
        while column < columns {
            // The common case (a time column, both parsed) needs no bytes at all.
            let aInstant = column < a.instants.count ? a.instants[column] : Int64.min
            let bInstant = column < b.instants.count ? b.instants[column] : Int64.min
            if aInstant != Int64.min && bInstant != Int64.min {
                if aInstant != bInstant { return aInstant < bInstant ? -1 : 1 }
            } else {
                let aStart = column == 0 ? 0 : a.ends[column - 1]
                let bStart = column == 0 ? 0 : b.ends[column - 1]
                let aEnd = a.ends[column]
                let bEnd = b.ends[column]
                let order = a.bytes.withUnsafeBytes { aBytes in
                    b.bytes.withUnsafeBytes { bBytes in
                        compareValues(
                            UnsafeRawBufferPointer(rebasing: aBytes[aStart..<aEnd]),
                            UnsafeRawBufferPointer(rebasing: bBytes[bStart..<bEnd]))
                    }
                }
                if order != 0 { return order }
            }
            column += 1
        }
        return 0
    }

    /// Numeric order when both are all digits (leading zeros ignored, then bytes to keep the order total),
    /// otherwise bytewise.
    static func compareValues(_ a: UnsafeRawBufferPointer, _ b: UnsafeRawBufferPointer) -> Int {
        if isAllDigits(a) && isAllDigits(b) {
            let aTrimmed = dropLeadingZeros(a)
            let bTrimmed = dropLeadingZeros(b)
            if aTrimmed.count != bTrimmed.count { return aTrimmed.count < bTrimmed.count ? -1 : 1 }
            let order = compareBytes(aTrimmed, bTrimmed)
            if order != 0 { return order }
        }
        return compareBytes(a, b)
    }

    private static func isAllDigits(_ value: UnsafeRawBufferPointer) -> Bool {
        guard !value.isEmpty else { return false }
        for byte in value where byte &- 0x30 >= 10 { return false }
        return true
    }

    private static func dropLeadingZeros(_ value: UnsafeRawBufferPointer) -> UnsafeRawBufferPointer {
        var start = 0
        while start < value.count - 1 && value[start] == 0x30 { start += 1 }
        return UnsafeRawBufferPointer(rebasing: value[start...])
    }

    private static func compareBytes(_ a: UnsafeRawBufferPointer, _ b: UnsafeRawBufferPointer) -> Int {
        let common = min(a.count, b.count)
        if common > 0, let aBase = a.baseAddress, let bBase = b.baseAddress {
            let order = memcmp(aBase, bBase, common)
            if order != 0 { return order < 0 ? -1 : 1 }
        }
        return a.count == b.count ? 0 : (a.count < b.count ? -1 : 1)
    }
}

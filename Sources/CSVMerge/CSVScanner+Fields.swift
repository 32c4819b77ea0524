/// The field values of the scanner's current record, for headers, keys and messages: quotes removed, doubled
/// quotes undoubled. (The scanning itself, and the private state it needs, are in `CSVScanner.swift`.)
extension CSVScanner {
    /// Appends the value of field `index` (quotes removed, doubled quotes undoubled) to `output`.
    public func appendFieldValue(_ index: Int, to output: inout [UInt8]) {
        let raw = rawField(index)
        guard raw.count >= 2, raw[0] == Byte.quote else {
            output.append(contentsOf: raw)
            return
        }
        Self.forEachUnquotedByte(of: raw) { output.append($0) }
    }

    /// Calls `body` with each byte of a quoted raw field's value: the surrounding quotes dropped, doubled quotes
    /// undoubled. `raw` must start and end with a quote.
    @inline(__always)
    static func forEachUnquotedByte(of raw: UnsafeRawBufferPointer, _ body: (UInt8) -> Void) {
        var previousWasQuote = false
        for byte in raw[1..<(raw.count - 1)] {
            if byte == Byte.quote && previousWasQuote {
                previousWasQuote = false
                continue
            }
            previousWasQuote = byte == Byte.quote
            body(byte)
        }
    }

    /// The value of field `index` as a `String` (for headers and messages, not for the hot path).
    public func fieldString(_ index: Int) -> String {
        var bytes: [UInt8] = []
        appendFieldValue(index, to: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    /// The values of all fields of the current record as strings (for headers).
    public func fieldStrings() -> [String] {
        guard let current else { return [] }
        return (0..<min(current.fieldCount, fieldRangeLimit)).map { fieldString($0) }
    }
}

/// The bytes that matter to CSV.
enum Byte {
    static let quote: UInt8 = 0x22
    static let comma: UInt8 = 0x2C
    static let semicolon: UInt8 = 0x3B
    static let tab: UInt8 = 0x09
    /// 0x01 in every byte of a word.
    static let ones: UInt64 = 0x0101_0101_0101_0101
    static let lineFeed: UInt8 = 0x0A
    static let carriageReturn: UInt8 = 0x0D

    /// Whether any byte of `word` is the delimiter, a quote, CR or LF ("has a zero byte" test after XOR; exact).
    @inline(__always)
    static func hasSpecialByte(_ word: UInt64, delimiterWord: UInt64) -> Bool {
        let highs: UInt64 = 0x8080_8080_8080_8080
        let delimiter = word ^ delimiterWord
        let quote = word ^ (ones &* UInt64(Byte.quote))
        let lineFeed = word ^ (ones &* UInt64(Byte.lineFeed))
        let carriageReturn = word ^ (ones &* UInt64(Byte.carriageReturn))
        let found =
            ((delimiter &- ones) & ~delimiter) | ((quote &- ones) & ~quote) | ((lineFeed &- ones) & ~lineFeed)
            | ((carriageReturn &- ones) & ~carriageReturn)
        return found & highs != 0
    }
}

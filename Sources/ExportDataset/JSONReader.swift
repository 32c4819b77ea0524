/// A small pull reader of JSON for the dataset manifest: the caller walks objects and arrays and reads each value as
/// the type it expects, so nothing is built that the manifest does not keep (no tree, no `Codable` machinery).
///
/// A night with 540 partitions of history decodes each export's manifest once: `JSONDecoder` took 6.5 ms for one
/// such manifest in a release build (13 ms with `convertFromSnakeCase`), a reader that built a tree of values first
/// 8 ms; this one a fraction of that (BENCHMARKS.md, § Dataset). That is what keeps a nightly run's cost from
/// following its history. It reads any JSON (RFC 8259: escapes, surrogate pairs, exponents; members it is not asked
/// for are skipped), not only what exportpipe writes: a manifest edited by hand still reads, or fails with its line
/// and column.
struct JSONReader {
    /// What is wrong, and where (1-based line and column).
    struct Failure: Error, CustomStringConvertible {
        var message: String
        var line: Int
        var column: Int
        var description: String { "\(message) at line \(line), column \(column)" }
    }

    private let bytes: [UInt8]
    private var index = 0
    private var depth = 0
    /// Objects and arrays nested deeper than this are refused (a hostile file must not exhaust the stack).
    static let maximumDepth = 64

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    /// Checks that `bytes` is one JSON value, whitespace around it allowed.
    /// - Throws: `Failure` naming the first thing that is not JSON.
    static func validate(_ bytes: [UInt8]) throws {
        var reader = JSONReader(bytes)
        try reader.skipValue()
        try reader.end()
    }

    /// Checks that only whitespace is left.
    mutating func end() throws {
        skipWhitespace()
        guard index == bytes.count else { throw failure("text after the JSON value") }
    }

    /// Reads an object, calling `member` with each member's name; `member` must read (or skip) its value.
    mutating func readObject(_ member: (inout JSONReader, String) throws -> Void) throws {
        skipWhitespace()
        guard peek(UInt8(ascii: "{")) else { throw failure("expected an object") }
        try enter()
        index += 1
        skipWhitespace()
        if peek(UInt8(ascii: "}")) {
            index += 1
            depth -= 1
            return
        }
        while true {
            skipWhitespace()
            guard peek(UInt8(ascii: "\"")) else { throw failure("expected a member name in quotes") }
            let key = try string()
            skipWhitespace()
            guard peek(UInt8(ascii: ":")) else { throw failure("expected ':' after the member name") }
            index += 1
            try member(&self, key)
            skipWhitespace()
            guard index < bytes.count else { throw failure("the file ends inside an object") }
            if bytes[index] == UInt8(ascii: ",") {
                index += 1
            } else if bytes[index] == UInt8(ascii: "}") {
                index += 1
                depth -= 1
                return
            } else {
                throw failure("expected ',' or '}' in an object")
            }
        }
    }

    /// Reads an array, calling `element` for each element; `element` must read (or skip) it.
    mutating func readArray(_ element: (inout JSONReader) throws -> Void) throws {
        skipWhitespace()
        guard peek(UInt8(ascii: "[")) else { throw failure("expected an array") }
        try enter()
        index += 1
        skipWhitespace()
        if peek(UInt8(ascii: "]")) {
            index += 1
            depth -= 1
            return
        }
        while true {
            try element(&self)
            skipWhitespace()
            guard index < bytes.count else { throw failure("the file ends inside an array") }
            if bytes[index] == UInt8(ascii: ",") {
                index += 1
            } else if bytes[index] == UInt8(ascii: "]") {
                index += 1
                depth -= 1
                return
            } else {
                throw failure("expected ',' or ']' in an array")
            }
        }
    }

    mutating func readString() throws -> String {
        guard let text = try readOptionalString() else { throw failure("expected a string") }
        return text
    }

    /// A string, or nil for `null`.
    mutating func readOptionalString() throws -> String? {
        skipWhitespace()
        if peek(UInt8(ascii: "n")) {
            try literal("null")
            return nil
        }
        guard peek(UInt8(ascii: "\"")) else { throw failure("expected a string") }
        return try string()
    }

    /// A whole number that fits in 64 bits (no fraction, no exponent).
    mutating func readInteger() throws -> Int64 {
        skipWhitespace()
        let start = index
        let negative = peek(UInt8(ascii: "-"))
        if negative { index += 1 }
        var value: Int64 = 0
        var count = 0
        while index < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[index]) {
            let digit = Int64(bytes[index] - UInt8(ascii: "0"))
            let (times, overflow1) = value.multipliedReportingOverflow(by: 10)
            let (next, overflow2) =
                negative ? times.subtractingReportingOverflow(digit) : times.addingReportingOverflow(digit)
            guard !overflow1, !overflow2 else {
                index = start
                throw failure("a whole number too large for 64 bits")
            }
            value = next
            index += 1
            count += 1
        }
        guard count > 0, !(count > 1 && bytes[start + (negative ? 1 : 0)] == UInt8(ascii: "0")),
            !peek(UInt8(ascii: ".")), !peek(UInt8(ascii: "e")), !peek(UInt8(ascii: "E"))
        else {
            index = start
            throw failure("expected a whole number")
        }
        return value
    }

    mutating func readBool() throws -> Bool {
        skipWhitespace()
        if peek(UInt8(ascii: "t")) {
            try literal("true")
            return true
        }
        if peek(UInt8(ascii: "f")) {
            try literal("false")
            return false
        }
        throw failure("expected true or false")
    }

    /// Skips one value of any kind, checking it is JSON.
    mutating func skipValue() throws {
        skipWhitespace()
        guard index < bytes.count else { throw failure("the file ends where a value should be") }
        switch bytes[index] {
        case UInt8(ascii: "{"): try readObject { reader, _ in try reader.skipValue() }
        case UInt8(ascii: "["): try readArray { reader in try reader.skipValue() }
        case UInt8(ascii: "\""): _ = try string()
        case UInt8(ascii: "t"): try literal("true")
        case UInt8(ascii: "f"): try literal("false")
        case UInt8(ascii: "n"): try literal("null")
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): try number()
        default: throw failure("unexpected character '\(Character(Unicode.Scalar(bytes[index])))'")
        }
    }

    private mutating func enter() throws {
        guard depth < Self.maximumDepth else { throw failure("values nested more than \(Self.maximumDepth) deep") }
        depth += 1
    }

    /// A string from its opening quote; the fast path copies a run without escapes at once.
    private mutating func string() throws -> String {
        index += 1
        let start = index
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\"") {
                defer { index += 1 }
                return String(decoding: bytes[start..<index], as: UTF8.self)
            }
            if byte == UInt8(ascii: "\\") { break }
            if byte < 0x20 { throw failure("a control character inside a string") }
            index += 1
        }
        var scalars: [UInt8] = Array(bytes[start..<index])
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\"") {
                index += 1
                return String(decoding: scalars, as: UTF8.self)
            }
            if byte < 0x20 { throw failure("a control character inside a string") }
            guard byte == UInt8(ascii: "\\") else {
                scalars.append(byte)
                index += 1
                continue
            }
            index += 1
            guard index < bytes.count else { break }
            let escape = bytes[index]
            index += 1
            switch escape {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): scalars.append(escape)
            case UInt8(ascii: "b"): scalars.append(0x08)
            case UInt8(ascii: "f"): scalars.append(0x0C)
            case UInt8(ascii: "n"): scalars.append(0x0A)
            case UInt8(ascii: "r"): scalars.append(0x0D)
            case UInt8(ascii: "t"): scalars.append(0x09)
            case UInt8(ascii: "u"):
                var code = try hex4()
                if (0xD800...0xDBFF).contains(code) {
                    // A high surrogate must be followed by `\u` and a low one.
                    guard index + 1 < bytes.count, bytes[index] == UInt8(ascii: "\\"),
                        bytes[index + 1] == UInt8(ascii: "u")
                    else { throw failure("a lone surrogate in a \\u escape") }
                    index += 2
                    let low = try hex4()
                    guard (0xDC00...0xDFFF).contains(low) else { throw failure("a lone surrogate in a \\u escape") }
                    code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
                } else if (0xDC00...0xDFFF).contains(code) {
                    throw failure("a lone surrogate in a \\u escape")
                }
                guard let scalar = Unicode.Scalar(code) else { throw failure("an invalid \\u escape") }
                scalars.append(contentsOf: Array(String(Character(scalar)).utf8))
            default:
                throw failure("an unknown escape '\\\(Character(Unicode.Scalar(escape)))'")
            }
        }
        throw failure("the file ends inside a string")
    }

    private mutating func hex4() throws -> UInt32 {
        guard index + 4 <= bytes.count else { throw failure("a \\u escape needs four hex digits") }
        var code: UInt32 = 0
        for byte in bytes[index..<index + 4] {
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
            default: throw failure("a \\u escape needs four hex digits")
            }
            code = code << 4 | UInt32(digit)
        }
        index += 4
        return code
    }

    /// Skips a number, checked against JSON's grammar: `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`.
    private mutating func number() throws {
        if peek(UInt8(ascii: "-")) { index += 1 }
        if peek(UInt8(ascii: "0")) {
            index += 1
        } else {
            guard digits() > 0 else { throw failure("a number needs digits") }
        }
        if peek(UInt8(ascii: ".")) {
            index += 1
            guard digits() > 0 else { throw failure("a number needs digits after '.'") }
        }
        if peek(UInt8(ascii: "e")) || peek(UInt8(ascii: "E")) {
            index += 1
            if peek(UInt8(ascii: "+")) || peek(UInt8(ascii: "-")) { index += 1 }
            guard digits() > 0 else { throw failure("a number needs digits in its exponent") }
        }
    }

    private mutating func digits() -> Int {
        let start = index
        while index < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[index]) { index += 1 }
        return index - start
    }

    private mutating func literal(_ word: String) throws {
        let utf8 = Array(word.utf8)
        guard index + utf8.count <= bytes.count, Array(bytes[index..<index + utf8.count]) == utf8 else {
            throw failure("expected '\(word)'")
        }
        index += utf8.count
    }

    private func peek(_ byte: UInt8) -> Bool { index < bytes.count && bytes[index] == byte }

    private mutating func skipWhitespace() {
        while index < bytes.count {
            switch bytes[index] {
            case 0x20, 0x09, 0x0A, 0x0D: index += 1
            default: return
            }
        }
    }

    private func failure(_ message: String) -> Failure {
        var line = 1
        var column = 1
        for byte in bytes[..<min(index, bytes.count)] {
            if byte == 0x0A {
                line += 1
                column = 1
            } else if byte & 0xC0 != 0x80 {
                column += 1
            }
        }
        return Failure(message: message, line: line, column: column)
    }
}

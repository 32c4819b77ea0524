import ExportTestSupport
import Foundation
import Testing

@testable import CSVMerge

@Suite("Sort key comparison")
struct SortKeyTests {
    private func instant(_ text: String) -> Int64? {
        Array(text.utf8).withUnsafeBytes { ISO8601Instant.epochMilliseconds($0) }
    }

    private func foundationInstant(_ text: String) -> Int64? {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        let plain = ISO8601DateFormatter()
        guard let date = formatter.date(from: text) ?? plain.date(from: text) else { return nil }
        return Int64((date.timeIntervalSince1970 * 1000).rounded())
    }

    @Test(
        "ISO 8601 with offsets, Z, millis or none agrees with Foundation",
        arguments: [
            "2025-03-09T03:15:00.000-04:00", "2025-03-09T07:15:00Z", "2025-03-09T07:15:00.123Z",
            "1999-12-31T23:59:59.999+05:30", "2024-02-29T00:00:00+00:00", "1969-07-20T20:17:40Z",
        ])
    func parsesLikeFoundation(text: String) throws {
        let expected = try #require(foundationInstant(text))
        #expect(instant(text) == expected)
    }

    @Test("the same instant in two offsets is equal; garbage does not parse")
    func offsetsAndGarbage() {
        #expect(instant("2025-03-09T03:15:00.000-04:00") == instant("2025-03-09T07:15:00Z"))
        #expect(instant("2025-03-09 07:15:00") == instant("2025-03-09T07:15:00Z"))
        for bad in ["", "12345", "2025-13-01T00:00:00Z", "2025-03-09T07:15:00Zjunk", "2025-03-09T7:15Z", "n/a"] {
            #expect(instant(bad) == nil, "\(bad) should not parse")
        }
    }

    private func compare(_ a: String, _ b: String) -> Int {
        Array(a.utf8).withUnsafeBytes { x in Array(b.utf8).withUnsafeBytes { y in RecordKey.compareValues(x, y) } }
    }

    @Test("all-digit ids compare numerically without overflow; others bytewise")
    func ids() {
        #expect(compare("9", "10") < 0)
        #expect(compare("123456789012345678901234567890", "99999999999999999999") > 0)
        #expect(compare("0010", "9") > 0)
        #expect(compare("10", "10") == 0)
        #expect(compare("a10", "a9") < 0)
        #expect(compare("", "1") < 0)
    }
}

@Suite("Sort key table")
struct SortKeyTableTests {
    /// Values that exercise every branch: instants in several offsets, ids around the 18-digit limit, leading
    /// zeros, quoted values with doubled quotes, text and empties.
    private static func value(using random: inout SeededGenerator) -> String {
        switch random.next() % 8 {
        case 0: return "2025-03-09T0\(random.next() % 10):1\(random.next() % 6):00.\(random.next() % 1000)Z"
        case 1: return "2025-03-09T0\(random.next() % 10):15:00-0\(random.next() % 6):00"
        case 2: return String(random.next() % 1000)
        case 3: return String(repeating: "0", count: Int(random.next() % 3)) + String(random.next() % 100)
        case 4: return String(repeating: "9", count: 17 + Int(random.next() % 4))
        case 5: return "\"a\"\"b,\(random.next() % 10)\""
        case 6: return ["", "n/a", "x9", "10a"][Int(random.next() % 4)]
        default: return "1234567890123456789\(random.next() % 10)"
        }
    }

    @Test("orders every pair of keys exactly as RecordKey.compare does")
    func agreesWithRecordKey() throws {
        var random = SeededGenerator(seed: 0x5EED_7AB1E)
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        var lines = ["time,id,other"]
        for _ in 0..<400 {
            lines.append("\(Self.value(using: &random)),\(Self.value(using: &random)),x")
        }
        let path = try directory.write("keys.csv", lines.joined(separator: "\n") + "\n")
        let scanner = try CSVScanner(path: path)
        _ = try scanner.next()
        var recordKeys: [RecordKey] = []
        let table = SortKeyTable(inputs: 400, columns: 2)
        var input = 0
        while try scanner.next() != nil {
            var key = RecordKey()
            key.load(from: scanner, columns: [0, 1], parseInstants: true)
            recordKeys.append(key)
            table.load(input: input, from: scanner, fields: [0, 1])
            input += 1
        }
        #expect(input == 400)
        for a in 0..<input {
            for b in 0..<input {
                let expected = RecordKey.compare(recordKeys[a], recordKeys[b]).signum()
                #expect(table.compareInputs(a, b).signum() == expected, "\(lines[a + 1]) vs \(lines[b + 1])")
            }
        }
    }

    @Test("an input's previous key stays for the order check")
    func previousKey() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = try directory.write(
            "order.csv", "t,id\n2025-01-01T00:00:00Z,2\n2025-01-01T00:00:00Z,10\n2024-12-31T23:00:00-02:00,1\n")
        let scanner = try CSVScanner(path: path)
        _ = try scanner.next()
        let table = SortKeyTable(inputs: 1, columns: 2)
        var orders: [Int] = []
        while try scanner.next() != nil {
            table.load(input: 0, from: scanner, fields: [0, 1])
            orders.append(table.compareToPrevious(0).signum())
        }
        // Row 2 follows row 1 (10 > 2 numerically); row 3 is 2025-01-01T01:00Z, after both.
        #expect(orders.dropFirst() == [1, 1])
    }
}

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

import Foundation
import Testing

@testable import ExportDataset

/// The manifest's JSON reader against what JSON allows and what it does not, and against `JSONDecoder` on the same
/// text.
@Suite("The manifest's JSON reader")
struct JSONReaderTests {
    private func parse(_ text: String) throws -> JSONReader.Value { try JSONReader.parse(Array(text.utf8)) }

    @Test func valuesOfEveryKind() throws {
        let value = try parse(
            #" { "a": [1, -2.5e3, 0, true, false, null], "b": {"c": "d"}, "e": [], "f": {} } "#)
        #expect(
            value
                == .object([
                    "a": .array([.number("1"), .number("-2.5e3"), .number("0"), .bool(true), .bool(false), .null]),
                    "b": .object(["c": .string("d")]), "e": .array([]), "f": .object([:]),
                ]))
    }

    @Test func stringEscapesAndSurrogatePairsReadAsJSONDecoderReadsThem() throws {
        let text = #"["plain", "q\"b\\s\/n\nt\tr\rf\fb\b", "\u00e9\u4e2d", "\ud83d\ude00 smile", "día ü"]"#
        let expected = try JSONDecoder().decode([String].self, from: Data(text.utf8))
        guard case .array(let elements) = try parse(text) else {
            Issue.record("not an array")
            return
        }
        #expect(elements == expected.map { .string($0) })
    }

    @Test(arguments: [
        ("{", 1, 2), ("{\"a\" 1}", 1, 6), ("[1,]", 1, 4), ("[01]", 1, 3), ("\"\\ud800\"", 1, 8), ("\"a\nb\"", 1, 3),
        ("{\n  \"a\": tru\n}", 2, 8), ("1 2", 1, 3), ("[-]", 1, 3), ("\"\\x\"", 1, 4), ("[1.]", 1, 4),
    ])
    func notJSONFailsWithItsLineAndColumn(text: String, line: Int, column: Int) {
        #expect {
            _ = try parse(text)
        } throws: { error in
            guard let failure = error as? JSONReader.Failure else { return false }
            return failure.line == line && failure.column == column
        }
    }

    @Test func nestingDeeperThanTheLimitIsRefusedNotRecursedInto() {
        let deep = String(repeating: "[", count: 10_000) + String(repeating: "]", count: 10_000)
        #expect(throws: JSONReader.Failure.self) { try parse(deep) }
        let fine = String(repeating: "[", count: 64) + String(repeating: "]", count: 64)
        #expect(throws: Never.self) { try parse(fine) }
    }

    @Test func aManifestWithAWrongTypeNamesTheKeyPath() throws {
        let manifest = DatasetManifest(
            export: "approvals", partitionGrain: .day, timeZone: "UTC", compression: .none, toolVersion: "t",
            partitions: [
                DatasetManifest.Partition(
                    partition: "2026-11-20", file: "day=2026-11-20/approvals.csv",
                    window: .init(startMs: 1_763_596_800_000, endMs: 1_763_683_200_000), rows: 3, bytes: 40,
                    uncompressedBytes: 40, sha256: "ab", fileSha256: nil, modifiedNs: 7, exportedAtMs: 8,
                    exportedAt: "2026-11-21T00:00:00Z", settled: true)
            ])
        let text = String(decoding: manifest.jsonBytes(), as: UTF8.self)
        #expect(try DatasetManifest(json: Array(text.utf8)) == manifest)
        let broken = text.replacingOccurrences(of: "\"rows\": 3", with: "\"rows\": \"3\"")
        #expect {
            _ = try DatasetManifest(json: Array(broken.utf8))
        } throws: { error in
            (error as? ManifestShapeError)?.description == "partitions[0].rows: expected a whole number"
        }
    }
}

import Foundation
import Testing

@testable import ExportDataset

/// The manifest's JSON reader against what JSON allows and what it does not, and against `JSONDecoder` on the same
/// text.
@Suite("The manifest's JSON reader")
struct JSONReaderTests {
    @Test func valuesOfEveryKindAreReadOrSkipped() throws {
        let text = #" { "a": [1, -2.5e3, 0, true, false, null, {"x": []}], "n": -42, "s": "d", "b": true, "z": null } "#
        var reader = JSONReader(Array(text.utf8))
        var seen: [String] = []
        var number: Int64?
        var string: String?
        var flag: Bool?
        var missing: String? = "set"
        try reader.readObject { reader, key in
            seen.append(key)
            switch key {
            case "n": number = try reader.readInteger()
            case "s": string = try reader.readString()
            case "b": flag = try reader.readBool()
            case "z": missing = try reader.readOptionalString()
            default: try reader.skipValue()
            }
        }
        try reader.end()
        #expect(seen == ["a", "n", "s", "b", "z"])
        #expect(number == -42 && string == "d" && flag == true && missing == nil)
    }

    @Test func stringEscapesAndSurrogatePairsReadAsJSONDecoderReadsThem() throws {
        let text = #"["plain", "q\"b\\s\/n\nt\tr\rf\fb\b", "\u00e9\u4e2d", "\ud83d\ude00 smile", "día ü"]"#
        let expected = try JSONDecoder().decode([String].self, from: Data(text.utf8))
        var reader = JSONReader(Array(text.utf8))
        var strings: [String] = []
        try reader.readArray { reader in strings.append(try reader.readString()) }
        #expect(strings == expected)
    }

    @Test(arguments: [
        ("{", 1, 2), ("{\"a\" 1}", 1, 6), ("[1,]", 1, 4), ("[01]", 1, 3), ("\"\\ud800\"", 1, 8), ("\"a\nb\"", 1, 3),
        ("{\n  \"a\": tru\n}", 2, 8), ("1 2", 1, 3), ("[-]", 1, 3), ("\"\\x\"", 1, 4), ("[1.]", 1, 4),
    ])
    func notJSONFailsWithItsLineAndColumn(text: String, line: Int, column: Int) {
        #expect {
            try JSONReader.validate(Array(text.utf8))
        } throws: { error in
            guard let failure = error as? JSONReader.Failure else { return false }
            return failure.line == line && failure.column == column
        }
    }

    @Test(arguments: ["1.5", "1e3", "01", "99999999999999999999", "\"7\"", "-"])
    func aWholeNumberIsRefusedWhenItIsNotOne(text: String) {
        var reader = JSONReader(Array(text.utf8))
        #expect(throws: JSONReader.Failure.self) { _ = try reader.readInteger() }
    }

    @Test func nestingDeeperThanTheLimitIsRefusedNotRecursedInto() {
        let deep = String(repeating: "[", count: 10_000) + String(repeating: "]", count: 10_000)
        #expect(throws: JSONReader.Failure.self) { try JSONReader.validate(Array(deep.utf8)) }
        let depth = JSONReader.maximumDepth
        let fine = String(repeating: "[", count: depth) + String(repeating: "]", count: depth)
        #expect(throws: Never.self) { try JSONReader.validate(Array(fine.utf8)) }
    }

    @Test func aManifestReadsBackEqualAndAMissingOrMistypedKeyIsNamed() throws {
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
        #expect(try JSONDecoder().decode(DatasetManifest.self, from: Data(text.utf8)) == manifest)
        let mistyped = text.replacingOccurrences(of: "\"rows\": 3", with: "\"rows\": \"3\"")
        #expect(throws: JSONReader.Failure.self) { try DatasetManifest(json: Array(mistyped.utf8)) }
        let missing = text.replacingOccurrences(of: "\"sha256\": \"ab\",", with: "")
        #expect {
            _ = try DatasetManifest(json: Array(missing.utf8))
        } throws: { error in
            (error as? ManifestShapeError)?.description == "partitions[0].sha256: expected a value"
        }
    }
}

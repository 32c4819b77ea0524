import Foundation
import Testing

@testable import CSVMerge

@Suite("Manifest")
struct ManifestTests {
    @Test("the manifest records the merge, with stable sorted keys, and updates by export name")
    func contents() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let a = try directory.write("c1.csv", "id,v\n1,a\n")
        let b = try directory.write("c2.csv", "id,v\n2,b\n3,c\n")
        let window = TimeWindow(startMs: 1_735_689_600_000, endMs: 1_735_776_000_000)
        let result = try CSVMerger().merge(
            [
                MergeInput(
                    path: a, id: "chunk-a", window: TimeWindow(startMs: window.startMs, endMs: 1_735_732_800_000)),
                MergeInput(path: b, id: "chunk-b", window: TimeWindow(startMs: 1_735_732_800_000, endMs: window.endMs)),
            ], into: directory.file("agents.csv"))
        let manifestPath = directory.file("manifest.json")
        let entry = Manifest.Export(
            name: "agents", file: ManifestWriter.relativePath(of: result.output, toManifestAt: manifestPath),
            result: result, sortKey: nil, window: window)
        try ManifestWriter.update(at: manifestPath, with: entry, toolVersion: "9.9.9", specHash: "abc123")

        let manifest = try #require(try ManifestWriter.read(from: manifestPath))
        #expect(manifest.toolVersion == "9.9.9")
        #expect(manifest.specHash == "abc123")
        let export = try #require(manifest.exports.first)
        #expect(export.file == "agents.csv")
        #expect(export.rows == 3)
        #expect(export.bytes == Int64(try directory.read("agents.csv").count))
        #expect(export.sha256 == result.sha256)
        #expect(export.window == window)
        #expect(export.chunks.map(\.id) == ["chunk-a", "chunk-b"])
        #expect(export.chunks.map(\.rows) == [1, 2])

        let text = String(decoding: try directory.read("manifest.json"), as: UTF8.self)
        #expect(text.contains("\"tool_version\" : \"9.9.9\""))
        #expect(text.contains("\"start\" : \"2025-01-01T00:00:00.000Z\""))
        #expect(text.contains("\"start_ms\" : 1735689600000"))
        let keys = text.split(separator: "\n").filter { $0.hasPrefix("  \"") }.map { $0.split(separator: "\"")[1] }
        #expect(keys == ["exports", "spec_hash", "tool_version"])
        #expect(try ManifestWriter.encode(manifest) == directory.read("manifest.json"))

        var second = entry
        second.name = "actions"
        try ManifestWriter.update(at: manifestPath, with: second, toolVersion: "9.9.9")
        try ManifestWriter.update(at: manifestPath, with: entry, toolVersion: "9.9.9")
        let updated = try #require(try ManifestWriter.read(from: manifestPath))
        #expect(updated.exports.map(\.name) == ["actions", "agents"])
        #expect(try directory.contents() == ["agents.csv", "c1.csv", "c2.csv", "manifest.json"])
    }
}

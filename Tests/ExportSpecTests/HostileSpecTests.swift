import ExportSpec
import Foundation
import Testing

/// Findings of the reliability suite's hostile-spec corpus (scripts/reliability, section 4).
@Suite("Hostile specs")
struct HostileSpecTests {
    @Test func aFileOverTheSizeLimitHasAnErrorWithALineAndColumn() throws {
        let path = NSTemporaryDirectory() + "hostile-\(UUID().uuidString).yaml"
        defer { try? FileManager.default.removeItem(atPath: path) }
        try Data(String(repeating: "# padding\n", count: 20).utf8).write(to: URL(fileURLWithPath: path))
        let fromFile = SpecLoader.load(contentsOf: path, limits: YAMLLimits(maxBytes: 100))
        let fromBytes = SpecLoader.load(
            bytes: Array(try Data(contentsOf: URL(fileURLWithPath: path))), file: path,
            limits: YAMLLimits(maxBytes: 100))
        #expect(fromFile.spec == nil)
        #expect(fromFile.shorts == ["1:1: error: the file is 200 bytes, over the 100-byte limit for a pipeline file"])
        #expect(fromFile.shorts == fromBytes.shorts)
    }
}

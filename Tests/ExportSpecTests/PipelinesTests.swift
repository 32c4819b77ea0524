import ExportSpec
import Foundation
import Testing

/// The checked-in example pipelines validate clean today (they use relative windows, so they stay clean).
@Suite("pipelines/")
struct PipelinesTests {
    static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("pipelines")

    @Test(arguments: ["demo.yaml", "backfill-18-months.yaml", "nightly.yaml"])
    func validatesClean(_ name: String) throws {
        let result = SpecLoader.load(contentsOf: Self.folder.appendingPathComponent(name).path)
        #expect(result.diagnostics.isEmpty, "\(result.diagnostics.map(\.description))")
        #expect(result.spec != nil)
    }

    @Test func everyPipelineIsCovered() throws {
        let files = try FileManager.default.contentsOfDirectory(atPath: Self.folder.path).filter {
            $0.hasSuffix(".yaml")
        }
        #expect(Set(files) == ["demo.yaml", "backfill-18-months.yaml", "nightly.yaml"])
    }

    @Test func demoRunsOnTheSimulatorWithTheDemoUser() throws {
        let spec = try #require(SpecLoader.load(contentsOf: Self.folder.appendingPathComponent("demo.yaml").path).spec)
        #expect(spec.api.usesSimulator)
        #expect(spec.api.users.map(\.username.raw) == ["demo"])
        #expect(spec.api.users.map(\.password) == [.environment("EXPORTPIPE_DEMO_PASSWORD")])
    }
}

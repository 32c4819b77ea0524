import ExportSpec
import Foundation
import Testing

@Suite("output.state_dir must be a folder of its own")
struct StateDirectoryRuleTests {
    /// The spec lives in `<tmp>/project/pipelines/`; its `output` section is at lines 12–14.
    func load(stateDir: String, dir: String = "out") -> SpecLoadResult {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("ep-rule/project/pipelines").path
        let text =
            specText(exports: "  - { name: a, type: response }")
            + "\noutput:\n  dir: \(dir)\n  state_dir: \(stateDir)\n"
        return SpecLoader.load(source: text, file: folder + "/spec.yaml", now: fixedNow)
    }

    @Test(arguments: [
        (".", "is the spec's own folder"),
        ("./", "is the spec's own folder"),
        ("..", "is a parent of the spec's folder"),
        ("../..", "is a parent of the spec's folder"),
        ("sub/../..", "is a parent of the spec's folder"),
        ("/", "is the root folder"),
        ("out", "is the same folder as output.dir 'out'"),
        ("out/state", "is inside the output folder 'out'"),
    ])
    func unsafeFoldersAreRefusedAtTheirLine(stateDir: String, problem: String) {
        let result = load(stateDir: stateDir)
        #expect(result.spec == nil)
        let error = result.diagnostics.first { $0.severity == .error }
        #expect(error?.location.line == 14, "\(result.shorts)")
        #expect(error?.location.column == 14, "\(result.shorts)")
        #expect(error?.message.contains("output.state_dir '\(stateDir)'") == true, "\(result.shorts)")
        #expect(error?.message.contains(problem) == true, "\(result.shorts)")
        #expect(error?.fix?.contains("state_dir: .exportpipe") == true)
    }

    @Test func theHomeFolderIsRefused() {
        let home = ProcessInfo.processInfo.environment["HOME"] ?? NSHomeDirectory()
        let result = load(stateDir: home)
        #expect(result.diagnostics.contains { $0.severity == .error && $0.message.contains("is the home folder") })
    }

    @Test func theDefaultStateFolderInsideTheOutputIsPointedAtOutputDir() {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("ep-rule/project/pipelines").path
        let text = specText(exports: "  - { name: a, type: response }") + "\noutput:\n  dir: .\n"
        let result = SpecLoader.load(source: text, file: folder + "/spec.yaml", now: fixedNow)
        let error = result.diagnostics.first { $0.severity == .error }
        #expect(error?.location.line == 13, "\(result.shorts)")
        #expect(error?.message.contains("inside the output folder '.'") == true, "\(result.shorts)")
    }

    @Test(arguments: [".exportpipe", ".exportpipe/nightly", "../state", "/var/tmp/exportpipe-state"])
    func foldersOfTheirOwnAreAccepted(stateDir: String) {
        let result = load(stateDir: stateDir)
        #expect(result.spec != nil, "\(result.shorts)")
        #expect(result.spec?.output.stateDir == stateDir)
    }
}

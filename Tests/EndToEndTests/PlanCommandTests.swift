import Foundation
import Testing

/// `exportpipe plan` as a real process: usage errors and spec errors map to the documented exit statuses.
///
/// Plans of real spec files are covered once the YAML loader is merged (see `loadSpec(at:)` in PlanCommand.swift);
/// these checks hold before and after.
@Suite struct PlanCommandTests {
    struct Outcome {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    /// The `exportpipe` binary SwiftPM built next to this test bundle.
    func binary() throws -> URL {
        var directory = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
            .deletingLastPathComponent()
        for _ in 0..<4 {
            let candidate = directory.appendingPathComponent("exportpipe")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
            directory = directory.deletingLastPathComponent()
        }
        throw BinaryNotFound(searchedFrom: CommandLine.arguments[0])
    }

    struct BinaryNotFound: Error, CustomStringConvertible {
        var searchedFrom: String
        var description: String {
            "no exportpipe binary near \(searchedFrom): build it with `swift build` before the end-to-end tests"
        }
    }

    func run(_ arguments: [String]) throws -> Outcome {
        let process = Process()
        process.executableURL = try binary()
        process.arguments = arguments
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Outcome(
            status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self),
            stderr: String(decoding: stderr, as: UTF8.self))
    }

    @Test func aMalformedNowIsAUsageError() throws {
        let outcome = try run(["plan", "pipelines/demo.yaml", "--now", "yesterday"])
        #expect(outcome.status == 64)
        #expect(outcome.stderr.contains("--now 'yesterday' is not an ISO 8601 instant"))
        #expect(outcome.stdout.isEmpty)
    }

    @Test func jsonTakesOneSpec() throws {
        let outcome = try run(["plan", "a.yaml", "b.yaml", "--format", "json"])
        #expect(outcome.status == 64)
        #expect(outcome.stderr.contains("--format json plans one spec at a time"))
    }

    @Test func anUnreadableSpecExitsTwoWithACompilerStyleMessage() throws {
        let missing = "/nonexistent-\(UUID().uuidString)/pipeline.yaml"
        let outcome = try run(["plan", missing, "--now", "2026-11-29T12:00:00Z"])
        #expect(outcome.status == 2)
        #expect(outcome.stderr.contains(missing))
        #expect(outcome.stderr.contains("error"))
        #expect(outcome.stdout.isEmpty)
    }
}

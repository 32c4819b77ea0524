import ExportTestSupport
import Foundation
import Testing

/// `exportpipe plan` as a real process: usage errors and spec errors map to the documented exit statuses.
///
@Suite struct PlanCommandTests {
    /// Runs the built binary (found by the shared `CLIRunner`) and captures its output.
    private func run(_ arguments: [String]) async throws -> CLIResult {
        try await CLIRunner().run(arguments, timeout: 120)
    }

    @Test func aMalformedNowIsAUsageError() async throws {
        let outcome = try await run(["plan", "pipelines/demo.yaml", "--now", "yesterday"])
        #expect(outcome.status == 64)
        #expect(outcome.stderr.contains("--now 'yesterday' is not a date (YYYY-MM-DD) or an ISO 8601 instant"))
        #expect(outcome.stdout.isEmpty)
    }

    @Test func jsonTakesOneSpec() async throws {
        let outcome = try await run(["plan", "a.yaml", "b.yaml", "--format", "json"])
        #expect(outcome.status == 64)
        #expect(outcome.stderr.contains("--format json plans one spec at a time"))
    }

    @Test func anUnreadableSpecExitsTwoWithACompilerStyleMessage() async throws {
        let missing = "/nonexistent-\(UUID().uuidString)/pipeline.yaml"
        let outcome = try await run(["plan", missing, "--now", "2026-11-29T12:00:00Z"])
        #expect(outcome.status == 2)
        #expect(outcome.stderr.contains(missing))
        #expect(outcome.stderr.contains("error"))
        #expect(outcome.stdout.isEmpty)
    }

    /// The package's pipelines folder, whatever the current directory.
    private static let pipelines = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("pipelines").path

    @Test func theShippedPipelinesPlanIntoATableAPersonCanRead() async throws {
        for name in ["demo", "nightly", "backfill-18-months"] {
            let outcome = try await run(["plan", Self.pipelines + "/\(name).yaml", "--now", "2026-11-29T12:00:00Z"])
            #expect(outcome.status == 0, "\(name): \(outcome.stderr)")
            #expect(outcome.stdout.contains("Estimate under the queue limits"))
            #expect(outcome.stdout.contains("wall time ≥"))
            #expect(outcome.stdout.split(separator: "\n").allSatisfy { $0.count <= 120 }, "\(name) fits 120 columns")
        }
    }

    @Test func theSameSpecAndNowGiveByteIdenticalJSON() async throws {
        let arguments = [
            "plan", Self.pipelines + "/backfill-18-months.yaml", "--format", "json", "--now", "2026-11-29T12:00:00Z",
        ]
        let first = try await run(arguments)
        let second = try await run(arguments)
        #expect(first.status == 0)
        #expect(first.stdout == second.stdout)
        let document = try JSONSerialization.jsonObject(with: Data(first.stdout.utf8)) as? [String: Any]
        #expect(document != nil)
    }

    @Test func aSpecErrorIsShownWithItsSourceLineAndExitsTwo() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("plan-e2e-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("bad.yaml").path
        let text = try String(contentsOfFile: Self.pipelines + "/demo.yaml", encoding: .utf8)
            .replacingOccurrences(of: "type: incoming_post", with: "type: incoming_posts")
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        let outcome = try await run(["plan", path, "--now", "2026-11-29T12:00:00Z"])
        #expect(outcome.status == 2)
        #expect(outcome.stderr.contains("bad.yaml:"))
        #expect(outcome.stderr.contains("incoming_posts"))
        #expect(outcome.stderr.contains("^"))
        #expect(outcome.stdout.isEmpty)
    }
}

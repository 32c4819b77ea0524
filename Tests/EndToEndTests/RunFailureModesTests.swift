import ExportTestSupport
import Foundation
import Testing

/// `exportpipe run` as a real process where a run cannot simply finish: a chunk the server refuses every time,
/// and a `run.deadline` that passes.
@Suite("exportpipe run: refused chunks and deadlines")
struct RunFailureModesTests {
    /// The first day of the workspace's window, as the spec wrote it (`yyyy-MM-dd`, in Europe/Berlin).
    static func firstDay(_ workspace: RunCommandTests.Workspace) throws -> Date {
        let text = try String(contentsOfFile: workspace.specPath, encoding: .utf8)
        let from = try #require(text.firstMatch(of: /from: (\d{4}-\d{2}-\d{2})/)?.1)
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "Europe/Berlin")
        formatter.dateFormat = "yyyy-MM-dd"
        return try #require(formatter.date(from: String(from)))
    }

    static func day(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "Europe/Berlin")
        formatter.dateFormat = "yyyy-MM-dd"
        return formatter.string(from: date)
    }

    static func simulatorCount(_ stats: [String: Any], _ group: String, _ key: String) -> Int {
        ((stats[group] as? [String: Any])?[key] as? Int) ?? 0
    }

    @Test func aChunkRefusedEveryTimeSpendsItsAttemptsIsNeverSplitAndFailsTheRunNamingItsWindow() async throws {
        let runner = try CLIRunner()
        // A probe workspace only to read the window; the real one refuses noon of the window's third day.
        let probe = try RunCommandTests.Workspace(runner: runner)
        let third = try Self.firstDay(probe).addingTimeInterval(2 * 86_400 + 12 * 3_600)
        probe.cleanup()
        let millis = Int64(third.timeIntervalSince1970 * 1000)
        let workspace = try RunCommandTests.Workspace(
            runner: runner, simulatorStyle: ["--faults", "refuse400=response:\(millis)-\(millis + 1)"])
        defer { workspace.cleanup() }

        let result = try await runner.run(
            ["run", workspace.specPath, "--time-scale", RunCommandTests.scale, "--progress", "plain"],
            environment: RunCommandTests.environment, timeout: 300)
        #expect(result.status == 1, "\(result.stderr)")
        let window = "export responses, window \(Self.day(third)) "
        #expect(result.stderr.contains(window), "the error names the export and the chunk's window: \(result.stderr)")
        #expect(result.stderr.contains("(Europe/Berlin)"), "in the spec's time zone")
        #expect(result.stderr.contains("not written: responses"))
        let summaryFile = workspace.directory.appendingPathComponent("out/run-summary.json")
        let summary = try #require(
            try JSONSerialization.jsonObject(with: Data(contentsOf: summaryFile)) as? [String: Any])
        #expect((summary["totals"] as? [String: Any])?["splits"] as? Int == 0, "a 400 is not about size: no split")

        let stats = try await workspace.simulator.stats()
        let refused = (stats["faults"] as? [String: Any])?["refuse400"] as? Int ?? 0
        #expect(refused >= 1 && refused <= 3, "at most run.attempts (3) submissions of the refused chunk")
        #expect(Self.simulatorCount(stats, "users", "failed") == 0)
        // The other export is merged; the one with the refused chunk is not.
        let posts = workspace.directory.appendingPathComponent("out/posts.csv").path
        let responses = workspace.directory.appendingPathComponent("out/responses.csv").path
        #expect(FileManager.default.fileExists(atPath: posts))
        #expect(!FileManager.default.fileExists(atPath: responses))
    }

    @Test func aWrongCompanyKeyStopsTheRunAtItsFirstSubmitNamingTheKeyAndTheUser() async throws {
        let runner = try CLIRunner()
        let workspace = try RunCommandTests.Workspace(runner: runner)
        defer { workspace.cleanup() }
        var environment = RunCommandTests.environment
        environment["EP_COMPANY_KEY"] = "not-the-company-key-1f3"
        let result = try await runner.run(
            ["run", workspace.specPath, "--time-scale", RunCommandTests.scale, "--progress", "plain"],
            environment: environment, timeout: 120)
        #expect(result.status == 1, "\(result.stderr)")
        #expect(result.stderr.contains("api.company_key"), "\(result.stderr)")
        #expect(result.stderr.contains("user u1"), "\(result.stderr)")
        #expect(result.stderr.contains("HTTP 403"), "\(result.stderr)")
        #expect(!result.stderr.contains("not-the-company-key-1f3"), "the key is never printed")
        let stats = try await workspace.simulator.stats()
        #expect(stats["authFailures"] as? Int == 1, "one refused submit, then the run stops: \(stats)")
        #expect(Self.simulatorCount(stats, "users", "submissions") == 0)
        #expect(stats["statusRequests"] as? Int == 0)
    }

    @Test func aRunWhoseDeadlinePassesStopsWithExitCode3AndARerunFinishes() async throws {
        let runner = try CLIRunner()
        // A slower clock than the other tests: the deadline's minute is 0.3 s of real time.
        let scale = "200"
        func run(_ workspace: RunCommandTests.Workspace) async throws -> CLIResult {
            try await runner.run(
                ["run", workspace.specPath, "--time-scale", scale, "--progress", "plain"],
                environment: RunCommandTests.environment, timeout: 300)
        }
        let reference = try RunCommandTests.Workspace(runner: runner, scale: scale)
        defer { reference.cleanup() }
        let clean = try await run(reference)
        #expect(clean.status == 0, "\(clean.stderr)")

        let workspace = try RunCommandTests.Workspace(runner: runner, scale: scale)
        defer { workspace.cleanup() }
        let spec = try String(contentsOfFile: workspace.specPath, encoding: .utf8)
        // Twelve chunks, two running at a time, at least 20 API seconds each: a minute cannot be enough.
        try (spec + "\nrun: { deadline: 1min }\n").write(toFile: workspace.specPath, atomically: true, encoding: .utf8)
        let stopped = try await run(workspace)
        #expect(stopped.status == 3, "\(stopped.stderr)")
        #expect(stopped.stderr.contains("run.deadline passed"))
        #expect(
            !FileManager.default.fileExists(atPath: workspace.directory.appendingPathComponent("out/posts.csv").path))
        // The journal is kept: every chunk is in it, none failed.
        let status = try await runner.run(
            ["status", workspace.specPath, "--json"], environment: RunCommandTests.environment)
        #expect(status.status == 0, "\(status.stderr)")
        let report = try #require(try JSONSerialization.jsonObject(with: Data(status.stdout.utf8)) as? [String: Any])
        let lines = try #require(report["exports"] as? [[String: Any]])
        let counts = lines.map { line in
            ["verified", "inFlight", "planned", "failed"].map { line[$0] as? Int ?? 0 }
        }
        #expect(counts.map { $0[0] + $0[1] + $0[2] }.reduce(0, +) == 12, "\(status.stdout)")
        #expect(counts.map { $0[3] }.reduce(0, +) == 0)

        try spec.write(toFile: workspace.specPath, atomically: true, encoding: .utf8)
        let rerun = try await run(workspace)
        #expect(rerun.status == 0, "\(rerun.stderr)")
        #expect(try workspace.outputs() == reference.outputs(), "the rerun's outputs equal an uninterrupted run's")

        // The plan now shows what the jobs really took, per export, from the journal.
        let plan = try await runner.run(
            ["plan", workspace.specPath, "--format", "json"], environment: RunCommandTests.environment)
        #expect(plan.status == 0, "\(plan.stderr)")
        let document = try #require(try JSONSerialization.jsonObject(with: Data(plan.stdout.utf8)) as? [String: Any])
        let exports = try #require(document["exports"] as? [[String: Any]])
        for export in exports {
            let learned = export["learnedDuration"] as? [String: Any]
            #expect((learned?["jobs"] as? Int ?? 0) > 0, "\(export["name"] ?? "?") has a learned duration")
            #expect((learned?["ratio"] as? Double ?? 0) > 0)
        }
        let table = try await runner.run(["plan", workspace.specPath], environment: RunCommandTests.environment)
        #expect(table.stdout.contains("learned earlier runs'"), "\(table.stdout)")
    }
}

import ExportTestSupport
import Foundation
import Testing

/// `exportpipe run` as a real process against `exportpipe simulator` as another: outputs, exit statuses,
/// kill -9 at random moments followed by a rerun, secrets.
@Suite("exportpipe run", .serialized)
struct RunCommandTests {
    static let scale = "4000"
    static let password = "run-test-password-5b1"
    static let companyKey = "run-test-company-77c"

    /// A pipeline over six fixed days, a month before the suite's "now" (`TestCalendar`, which every process
    /// started through `CLIRunner` runs at): the same 12 chunks whatever day the suite runs.
    static func spec(baseURL: String) -> String {
        TwoExportsPipeline.yaml(baseURL: baseURL, name: "e2e", chunk: "1d")
    }

    struct Workspace {
        let directory: URL
        let simulator: SimulatorProcess
        var specPath: String { directory.appendingPathComponent("pipeline.yaml").path }

        /// - Parameters:
        ///   - scale: the simulator's time scale (runs must pass the same `--time-scale`).
        ///   - simulatorStyle: `exportpipe simulator` options for the API's style (headers, time format, …).
        init(runner: CLIRunner, scale: String = RunCommandTests.scale, simulatorStyle: [String] = []) throws {
            directory = FileManager.default.temporaryDirectory.appendingPathComponent("ep-run-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            simulator = try SimulatorProcess(
                binary: runner.binary,
                arguments: [
                    "--seed", "11", "--time-scale", scale, "--user", "u1:\(RunCommandTests.password)",
                    "--company-key", RunCommandTests.companyKey,
                ] + simulatorStyle)
            try RunCommandTests.spec(baseURL: simulator.baseURL).write(
                toFile: specPath, atomically: true, encoding: .utf8)
        }

        func outputs() throws -> [String: Data] {
            var result: [String: Data] = [:]
            for name in ["posts.csv", "responses.csv"] {
                result[name] = try Data(contentsOf: directory.appendingPathComponent("out/\(name)"))
            }
            return result
        }

        func cleanup() {
            simulator.stop()
            try? FileManager.default.removeItem(at: directory)
        }
    }

    static let environment = ["EP_PASSWORD": password, "EP_COMPANY_KEY": companyKey]

    func run(_ runner: CLIRunner, _ workspace: Workspace) async throws -> CLIResult {
        try await runner.run(
            ["run", workspace.specPath, "--time-scale", Self.scale, "--progress", "plain"],
            environment: Self.environment, timeout: 300)
    }

    @Test func killedAtRandomMomentsAndRerunGivesTheSameBytesAndNoDuplicateWork() async throws {
        let runner = try CLIRunner()
        let reference = try Workspace(runner: runner)
        defer { reference.cleanup() }
        let clean = try await run(runner, reference)
        #expect(clean.status == 0, "\(clean.stderr)")
        let expected = try reference.outputs()
        let chunks = ((try await reference.simulator.stats()["users"] as? [String: Any])?["submissions"] as? Int) ?? 0
        #expect(chunks > 5)

        let crashed = try Workspace(runner: runner)
        defer { crashed.cleanup() }
        var generator = SystemRandomNumberGenerator()
        var kills = 0
        for _ in 0..<3 {
            let process = Process()
            process.executableURL = runner.binary
            process.arguments = ["run", crashed.specPath, "--time-scale", Self.scale, "--progress", "json"]
            process.environment = ProcessInfo.processInfo.environment.merging(Self.environment) { _, new in new }
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            try await Task.sleep(nanoseconds: UInt64.random(in: 300_000_000...2_500_000_000, using: &generator))
            if process.isRunning {
                kill(process.processIdentifier, SIGKILL)
                kills += 1
            }
            process.waitUntilExit()
        }
        let final = try await run(runner, crashed)
        #expect(final.status == 0, "\(final.stderr)")
        #expect(try crashed.outputs() == expected, "outputs after \(kills) kills equal an uninterrupted run's")
        let submissions =
            ((try await crashed.simulator.stats()["users"] as? [String: Any])?["submissions"] as? Int) ?? 0
        // A kill can lose at most the answers of the submits in flight (2 per user); verified work is never redone.
        #expect(submissions <= chunks + kills * 2, "\(submissions) submissions for \(chunks) chunks, \(kills) kills")
        let leftovers =
            FileManager.default.enumerator(atPath: crashed.directory.path)?.compactMap { $0 as? String }
            .filter { $0.hasSuffix(".part") || $0.hasSuffix(".tmp") || $0.contains("/merge/") } ?? []
        #expect(leftovers.isEmpty, "temporary files left: \(leftovers)")
        for text in [clean.stdout, clean.stderr, final.stdout, final.stderr] {
            #expect(!text.contains(Self.password))
            #expect(!text.contains(Self.companyKey))
            #expect(!text.contains("analyticsAccessToken="))
        }
    }

    @Test func sigintStopsTheRunWith130AndTheRerunFinishes() async throws {
        let runner = try CLIRunner()
        let workspace = try Workspace(runner: runner)
        defer { workspace.cleanup() }
        let process = Process()
        process.executableURL = runner.binary
        // Slow enough that the run is still going when the signal arrives.
        process.arguments = ["run", workspace.specPath, "--time-scale", "5", "--progress", "plain"]
        process.environment = ProcessInfo.processInfo.environment.merging(Self.environment) { _, new in new }
        let stderr = Pipe()
        process.standardOutput = FileHandle.nullDevice
        process.standardError = stderr
        try process.run()
        // Interrupted once it submits (its signal handler is in place by then): a fixed sleep sent the signal before
        // the handler was, in a CI run whose shell ignored SIGINT for its background jobs, and the run finished.
        let submitted = try await ProcessLines.waitForLine(
            containing: "submitted", in: stderr.fileHandleForReading, timeout: 120
        ) { [process] in process.interrupt() }
        #expect(submitted != nil, "the run never submitted")
        let text = String(decoding: stderr.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 130, "\(text)")
        #expect(text.contains("the journal is saved"))
        let rerun = try await run(runner, workspace)
        #expect(rerun.status == 0, "\(rerun.stderr)")
        #expect(
            FileManager.default.fileExists(atPath: workspace.directory.appendingPathComponent("out/posts.csv").path))
    }

    @Test func statusReportsTheJournalAndAMissingPasswordIsAClearError() async throws {
        let runner = try CLIRunner()
        let workspace = try Workspace(runner: runner)
        defer { workspace.cleanup() }
        let missing = try await runner.run(
            ["run", workspace.specPath, "--time-scale", Self.scale], environment: ["EP_COMPANY_KEY": Self.companyKey],
            timeout: 60)
        #expect(missing.status == 2)
        #expect(missing.stderr.contains("EP_PASSWORD"))
        #expect(missing.stderr.contains("pipeline.yaml:"))

        let before = try await runner.run(["status", workspace.specPath], timeout: 60)
        #expect(before.status == 0)
        #expect(before.stdout.contains("has not run yet"))

        let done = try await run(runner, workspace)
        #expect(done.status == 0, "\(done.stderr)")
        let status = try await runner.run(["status", workspace.specPath], timeout: 60)
        #expect(status.status == 0)
        let lines = status.stdout.split(separator: "\n")
        #expect(lines.first?.hasPrefix("export") == true)
        #expect(lines.contains { $0.hasPrefix("posts") } && lines.contains { $0.hasPrefix("responses") })
        #expect(!status.stdout.contains("analyticsAccessToken"))
        #expect(!status.stdout.contains(Self.companyKey))
        // A second run reuses every verified chunk: nothing is submitted again.
        let submittedBefore =
            ((try await workspace.simulator.stats()["users"] as? [String: Any])?["submissions"] as? Int) ?? 0
        let again = try await run(runner, workspace)
        #expect(again.status == 0)
        let submittedAfter =
            ((try await workspace.simulator.stats()["users"] as? [String: Any])?["submissions"] as? Int) ?? 0
        #expect(submittedAfter == submittedBefore)
    }
}

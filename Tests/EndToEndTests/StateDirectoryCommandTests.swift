import ExportExecutor
import ExportRun
import ExportTestSupport
import Foundation
import Testing

/// One run per state directory, and `--no-resume` removing only what exportpipe wrote: `exportpipe run` as real
/// processes against `exportpipe simulator`.
@Suite("exportpipe run holds its state directory", .serialized)
struct StateDirectoryCommandTests {
    typealias Workspace = RunCommandTests.Workspace
    /// Slow enough that a run is still going while the test starts another one, on a loaded machine too.
    static let slowScale = "50"

    func start(_ runner: CLIRunner, _ workspace: Workspace, scale: String = slowScale) throws -> (Process, URL) {
        let process = Process()
        process.executableURL = runner.binary
        process.arguments = ["run", workspace.specPath, "--time-scale", scale, "--progress", "plain"]
        process.environment = ProcessInfo.processInfo.environment.merging(RunCommandTests.environment) { _, new in new }
        let log = workspace.directory.appendingPathComponent("run-\(UUID().uuidString).log")
        FileManager.default.createFile(atPath: log.path, contents: nil)
        let handle = try FileHandle(forWritingTo: log)
        process.standardOutput = FileHandle.nullDevice
        process.standardError = handle
        try process.run()
        return (process, log)
    }

    /// Waits until a run holds the workspace's state directory (its lock file names the holder).
    func waitForHolder(_ workspace: Workspace, _ process: Process) async throws {
        let lock = workspace.directory.appendingPathComponent("state/lock").path
        for _ in 0..<3_000 {
            let size = ((try? FileManager.default.attributesOfItem(atPath: lock))?[.size] as? NSNumber)?.intValue ?? 0
            if size > 0 { return }
            guard process.isRunning else { break }
            try await Task.sleep(nanoseconds: 10_000_000)
        }
        Issue.record("the first run never took the state directory's lock")
    }

    func wait(_ process: Process) async {
        while process.isRunning { try? await Task.sleep(nanoseconds: 20_000_000) }
        process.waitUntilExit()
    }

    func submissions(_ workspace: Workspace) async throws -> Int {
        ((try await workspace.simulator.stats()["users"] as? [String: Any])?["submissions"] as? Int) ?? 0
    }

    @Test func twoRunsOfOneSpecStartedTogetherBothEndWellOneAfterTheOther() async throws {
        let runner = try CLIRunner()
        let workspace = try Workspace(runner: runner)
        defer { workspace.cleanup() }
        // The test holds the directory while both runs start, so both find it busy, then lets them race for it.
        let gate = try StateDirectoryLock.tryAcquire(
            StateDirectory(workspace.directory.appendingPathComponent("state").path),
            as: .current(pipeline: "test gate", command: "test")
        ).get()
        let (first, firstLog) = try start(runner, workspace, scale: RunCommandTests.scale)
        let (second, secondLog) = try start(runner, workspace, scale: RunCommandTests.scale)
        for log in [firstLog, secondLog] {
            for _ in 0..<3_000 {
                if ((try? String(contentsOf: log, encoding: .utf8)) ?? "").contains("waiting for it") { break }
                try await Task.sleep(nanoseconds: 10_000_000)
            }
        }
        gate.release()
        await wait(first)
        await wait(second)
        let texts = [firstLog, secondLog].map { (try? String(contentsOf: $0, encoding: .utf8)) ?? "" }
        #expect(first.terminationStatus == 0, "\(texts[0])")
        #expect(second.terminationStatus == 0, "\(texts[1])")
        for text in texts {
            #expect(text.contains("is in use by exportpipe test of pipeline 'test gate' (pid \(getpid())"), "\(text)")
            #expect(!text.contains("failed for good"), "\(text)")
        }
        // One after the other: whichever ran second found every chunk verified by the first.
        #expect(texts.contains { $0.contains(/this run: 0 chunks verified, \d+ kept from earlier runs/) }, "\(texts)")
        let reference = try Workspace(runner: runner)
        defer { reference.cleanup() }
        let alone = try await runner.run(
            ["run", reference.specPath, "--time-scale", RunCommandTests.scale, "--progress", "plain"],
            environment: RunCommandTests.environment, timeout: 300)
        #expect(alone.status == 0, "\(alone.stderr)")
        #expect(try await submissions(workspace) == (try await submissions(reference)), "nothing submitted twice")
        #expect(try workspace.outputs() == (try reference.outputs()))
    }

    @Test func noWaitExitsNamingTheHolderAndKillingTheHolderLetsTheWaiterProceed() async throws {
        let runner = try CLIRunner()
        let workspace = try Workspace(runner: runner, scale: Self.slowScale)
        defer { workspace.cleanup() }
        // The holder's clock runs 25× slower than the simulator's, so it polls rarely and still holds the directory
        // when the waiter comes (at the simulator's pace a loaded CI machine let it finish first); it is killed.
        let (first, _) = try start(runner, workspace, scale: "2")
        try await waitForHolder(workspace, first)

        let refused = try await runner.run(
            ["run", workspace.specPath, "--time-scale", Self.slowScale, "--no-wait"],
            environment: RunCommandTests.environment, timeout: 60)
        #expect(refused.status == 75, "\(refused.stderr)")
        #expect(refused.stderr.contains("pid \(first.processIdentifier) on "), "\(refused.stderr)")
        #expect(refused.stderr.contains("Nothing was changed"))

        let (waiter, waiterLog) = try start(runner, workspace)
        // The waiter has found the directory busy once it says so.
        for _ in 0..<2_000 {
            if ((try? String(contentsOf: waiterLog, encoding: .utf8)) ?? "").contains("waiting for it") { break }
            try await Task.sleep(nanoseconds: 10_000_000)
        }
        kill(first.processIdentifier, SIGKILL)
        await wait(first)
        await wait(waiter)
        let text = (try? String(contentsOf: waiterLog, encoding: .utf8)) ?? ""
        #expect(waiter.terminationStatus == 0, "\(text)")
        #expect(text.contains("waiting for it to finish"))
        #expect(
            FileManager.default.fileExists(atPath: workspace.directory.appendingPathComponent("out/posts.csv").path))
    }

    @Test func noResumeKeepsTheUsersFilesInTheStateDirectory() async throws {
        let runner = try CLIRunner()
        let workspace = try Workspace(runner: runner)
        defer { workspace.cleanup() }
        let arguments = ["run", workspace.specPath, "--time-scale", RunCommandTests.scale, "--progress", "plain"]
        let first = try await runner.run(arguments, environment: RunCommandTests.environment, timeout: 300)
        #expect(first.status == 0, "\(first.stderr)")
        let before = try await submissions(workspace)
        let notes = workspace.directory.appendingPathComponent("state/notes.txt")
        try Data("mine".utf8).write(to: notes)

        let again = try await runner.run(
            arguments + ["--no-resume"], environment: RunCommandTests.environment, timeout: 300)
        #expect(again.status == 0, "\(again.stderr)")
        #expect(try Data(contentsOf: notes) == Data("mine".utf8))
        #expect(again.stderr.contains("kept what exportpipe did not create"))
        #expect(again.stderr.contains("notes.txt"))
        // It started over: every chunk was submitted again.
        #expect(try await submissions(workspace) == 2 * before)
    }
}

import ExportExecutor
import ExportTestSupport
import Foundation
import Testing

/// `exportpipe run … 2>&1 | head -3`: the reader goes away after three lines. The run stops as on Ctrl-C (no new
/// submissions, the journal consistent) and exits with 141, never a trap; its rerun finishes the work and submits
/// again only a chunk whose submit answer the stop cut off (the external simulator keeps the jobs the first run
/// left in flight, and the rerun follows them).
@Suite("exportpipe run: a closed output pipe")
struct ClosedPipeTests {
    @Test func aRunWhoseOutputIsClosedAfterThreeLinesExits141AndItsRerunSubmitsNothingTwice() async throws {
        let runner = try CLIRunner()
        // Slow enough (seconds, not milliseconds) that the run is still going when the reader leaves: a run that
        // ends first has all its output in the pipe's buffer and never meets the closed pipe.
        let scale = "50"
        let workspace = try RunCommandTests.Workspace(runner: runner, scale: scale)
        defer { workspace.cleanup() }
        let arguments = ["run", workspace.specPath, "--time-scale", scale, "--progress", "plain"]

        let closed = try await runner.runClosingOutput(
            arguments, after: 3, environment: RunCommandTests.environment, timeout: 300)
        #expect(closed.stdout.split(separator: "\n").count == 3, "\(closed.stdout)")
        #expect(!closed.terminatedBySignal, "ended by signal \(closed.status), not cleanly")
        #expect(closed.status == 141, "the closed-pipe exit status, never 132 (a trap): \(closed.status)")

        // Submits the stop cut off before their answer: the only chunks that may be submitted again.
        let journal = try Journal(path: workspace.directory.appendingPathComponent("state/journal.sqlite").path)
        let cutOff = try journal.records().filter { $0.state == .submitting }.count

        // The journal is consistent: `status` reads it, nothing failed.
        let status = try await runner.run(
            ["status", workspace.specPath, "--json"], environment: RunCommandTests.environment)
        #expect(status.status == 0, "\(status.stderr)")
        let report = try #require(try JSONSerialization.jsonObject(with: Data(status.stdout.utf8)) as? [String: Any])
        let lines = try #require(report["exports"] as? [[String: Any]])
        #expect(lines.map { $0["failed"] as? Int ?? 0 }.reduce(0, +) == 0, "\(status.stdout)")

        let rerun = try await runner.run(arguments, environment: RunCommandTests.environment, timeout: 300)
        #expect(rerun.status == 0, "\(rerun.stderr)")
        let summaryFile = workspace.directory.appendingPathComponent("out/run-summary.json")
        let summary = try #require(
            try JSONSerialization.jsonObject(with: Data(contentsOf: summaryFile)) as? [String: Any])
        let chunks = try #require((summary["totals"] as? [String: Any])?["chunks"] as? Int)
        let stats = try await workspace.simulator.stats()
        let submissions = RunFailureModesTests.simulatorCount(stats, "users", "submissions")
        let rejected =
            RunFailureModesTests.simulatorCount(stats, "users", "rejectedUserQueue")
            + RunFailureModesTests.simulatorCount(stats, "users", "rejectedCompanyQueue")
        // Every chunk submitted once over both runs, but for a submit whose answer the stop cut off (its job
        // cannot be found without the answer, so it is held, then submitted again).
        #expect(
            (chunks...(chunks + cutOff)).contains(submissions - rejected),
            "\(chunks) chunks: \(submissions) submissions, \(rejected) rejected, \(cutOff) submit answers cut off")
    }
}

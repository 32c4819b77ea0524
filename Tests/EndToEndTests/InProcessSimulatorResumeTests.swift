import ExportTestSupport
import Foundation
import Testing

/// The demo pipeline runs on a simulator inside the `exportpipe` process: its jobs end with that process, so a rerun
/// after a kill must submit their chunks again at once instead of chasing status URLs nobody answers.
@Suite("in-process simulator jobs end with their run", .serialized)
struct InProcessSimulatorResumeTests {
    static let demo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("pipelines/demo.yaml")

    @Test func aDemoRunKilledWithJobsInFlightIsRerunWithoutChasingThem() async throws {
        let runner = try CLIRunner()
        let directory = try PipelineHarness.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let spec = directory + "/demo.yaml"
        try FileManager.default.copyItem(atPath: Self.demo.path, toPath: spec)

        // Slow enough that jobs are in flight when the first submit is seen.
        let process = Process()
        process.executableURL = runner.binary
        process.arguments = ["run", spec, "--time-scale", "50", "--progress", "json"]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        try process.run()
        let pid = process.processIdentifier
        let submitted = try await ProcessLines.waitForLine(
            containing: "\"kind\":\"submitted\"", in: pipe.fileHandleForReading, timeout: 120
        ) { kill(pid, SIGKILL) }
        kill(pid, SIGKILL)  // when no line came: the run must not go on
        process.waitUntilExit()
        #expect(submitted != nil, "the first run submitted a job before it was killed")

        let status = try await runner.run(["status", spec, "--json"])
        let report = try #require(try JSONSerialization.jsonObject(with: Data(status.stdout.utf8)) as? [String: Any])
        let lines = try #require(report["exports"] as? [[String: Any]])
        let inFlight = lines.map { $0["inFlight"] as? Int ?? 0 }.reduce(0, +)
        #expect(inFlight > 0, "the killed run left jobs in flight: \(status.stdout)")

        let rerun = try await runner.run(["run", spec, "--progress", "plain"], timeout: 300)
        #expect(rerun.status == 0, "\(rerun.stderr)")
        #expect(
            rerun.stderr.contains("\(inFlight) job(s) of an earlier run ran on its in-process simulator"),
            "\(rerun.stderr.suffix(2_000))")
        #expect(rerun.stderr.contains("submitted again"))
        #expect(!rerun.stderr.contains("Connection refused"), "no status request went to the dead simulator")
        let summary = try #require(
            try JSONSerialization.jsonObject(
                with: Data(contentsOf: URL(fileURLWithPath: directory + "/out/demo/run-summary.json")))
                as? [String: Any])
        #expect(summary["status"] as? String == "complete", "\(summary)")
        let totals = try #require(summary["totals"] as? [String: Any])
        #expect(totals["statusRequests"] as? Int ?? 0 >= totals["submissions"] as? Int ?? 1, "\(totals)")
    }
}

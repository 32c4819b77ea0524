import ExportTestSupport
import Foundation
import Testing

/// `exportpipe run` against `exportpipe simulator` serving shapes the docs leave open: killed with SIGKILL at
/// random moments, the rerun gives the same bytes as an uninterrupted run.
@Suite("exportpipe run against real-API styles", .serialized)
struct RealAPIStyleRunTests {
    static let styles: [[String]] = [
        [
            "--csv-headers", "labels", "--time-format", "us", "--empty-windows", "empty", "--gzip",
            "--inclusive-end-time", "--csv-delimiter", "semicolon",
        ],
        ["--csv-headers", "upper", "--time-format", "epoch", "--array-status", "--compression", "gzip-file"],
    ]

    @Test(arguments: 0..<2)
    func killedAtRandomMomentsAndRerunGivesTheSameBytes(index: Int) async throws {
        let runner = try CLIRunner()
        let style = Self.styles[index]
        let reference = try RunCommandTests.Workspace(runner: runner, simulatorStyle: style)
        defer { reference.cleanup() }
        let clean = try await RunCommandTests().run(runner, reference)
        #expect(clean.status == 0, "\(clean.stderr)")
        #expect(!clean.stderr.contains("warning"), "every role resolved: \(clean.stderr)")
        let expected = try reference.outputs()
        #expect(expected.values.allSatisfy { $0.count > 1000 })

        let crashed = try RunCommandTests.Workspace(runner: runner, simulatorStyle: style)
        defer { crashed.cleanup() }
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<2 {
            let process = Process()
            process.executableURL = runner.binary
            process.arguments = ["run", crashed.specPath, "--time-scale", RunCommandTests.scale, "--progress", "json"]
            process.environment = ProcessInfo.processInfo.environment.merging(RunCommandTests.environment) { _, new in
                new
            }
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            try await Task.sleep(nanoseconds: UInt64.random(in: 300_000_000...2_000_000_000, using: &generator))
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
            process.waitUntilExit()
        }
        let final = try await RunCommandTests().run(runner, crashed)
        #expect(final.status == 0, "\(final.stderr)")
        #expect(try crashed.outputs() == expected, "\(style.joined(separator: " ")): same bytes after kill -9")
    }
}

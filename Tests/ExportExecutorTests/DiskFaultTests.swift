import AnalyticsAPI
import AnalyticsSimulator
import ExportExecutor
import ExportSpec
import ExportTestSupport
import Foundation
import Testing

/// The executor when its disk misbehaves during a run.
@Suite("Executor and a failing disk")
struct DiskFaultTests {
    static let scale = 10_000.0
    static let now = Date(timeIntervalSince1970: 1_741_000_000)

    @Test func aStateDirectoryRemovedMidRunStopsTheRunWithAClearError() async throws {
        let directory = try PipelineHarness.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let spec = SpecBuilders.spec(
            window: SpecBuilders.window(from: SpecBuilders.date(2025, 2, 1), to: SpecBuilders.date(2025, 2, 21)),
            exports: [SpecBuilders.export("posts", .incomingPost, chunk: .fixed(CalendarDuration(1, .day)))])
        var configuration = SimulatorHarness.fastConfiguration(seed: 7)
        configuration.users = ["user1": "pw1"]
        try await SimulatorHarness.withSimulator(configuration) { simulator in
            let log = PipelineHarness.EventLog()
            let run = Task {
                try await PipelineHarness.run(
                    spec, on: simulator, directory: directory, now: Self.now, timeScale: Self.scale,
                    passwords: ["user1": "pw1"], log: log)
            }
            while log.count(.verified) < 1 { try await Task.sleep(nanoseconds: 500_000) }
            try FileManager.default.removeItem(atPath: directory + "/state")
            // Without the check every later download fails, is retried, split and resubmitted many times over.
            let error = await #expect(throws: ExecutorError.self) { try await run.value }
            #expect(error?.description.contains("disappeared during the run") == true)
            let stats = await simulator.stats()
            #expect(stats.users.submissions <= 20 + 2, "nothing was exported again and again")
            #expect(log.count(.split) == 0)
        }
    }
}

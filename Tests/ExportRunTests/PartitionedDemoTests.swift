import AnalyticsSimulator
import ExportDataset
import ExportPlanner
import ExportSpec
import ExportTestSupport
import Foundation
import Testing

/// The shipped demo pipeline in partitioned form, run on two consecutive nights over loopback: the second night
/// exports the new day and the unsettled ones in one job per export and fan-out value, not 8 of 10 chunks again.
@Suite("The demo, partitioned, on consecutive nights")
struct PartitionedDemoTests {
    static let demo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("pipelines/demo.yaml").path

    @Test func theSecondNightSubmitsAtMostOneJobPerExportAndFanOutValue() async throws {
        var spec = try #require(SpecLoader.load(contentsOf: Self.demo).spec)
        spec.output.layout = .partitioned
        let directory = try PipelineHarness.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var configuration = SimulatorHarness.fastConfiguration(seed: 7)
        configuration.users = ["demo": "demo-password"]
        let passwords = ["demo": "demo-password"]
        try await SimulatorHarness.withSimulator(configuration) { simulator in
            let first = try await PipelineHarness.run(
                spec, on: simulator, directory: directory, now: SpecBuilders.instant("2026-11-23T11:00:00Z"),
                timeScale: 10_000, passwords: passwords, settleSeconds: 2 * 86_400)
            #expect(first.incomplete.isEmpty && first.summary.failed.isEmpty)
            let second = try await PipelineHarness.run(
                spec, on: simulator, directory: directory, now: SpecBuilders.instant("2026-11-24T11:00:00Z"),
                timeScale: 10_000, passwords: passwords, settleSeconds: 2 * 86_400)
            #expect(second.incomplete.isEmpty && second.summary.failed.isEmpty)
            // The second night exports Saturday 21 to Monday 23 November: across the Monday the 7d grid cuts at.
            var jobs = 0
            for export in second.plan.exports {
                #expect(
                    export.chunksToRun.count <= export.fanOutCount,
                    "\(export.name): \(export.chunksToRun.count) jobs for \(export.fanOutCount) fan-out values")
                #expect(!export.chunksToRun.isEmpty, "\(export.name): the new day is exported")
                jobs += export.chunksToRun.count
            }
            // incoming-posts is split by two work queues; the other four exports are one job each.
            #expect(jobs == 6)
            #expect(second.summary.counters.submissions == jobs)
            // Every export's dataset gained the new day (Nov 23) and still has the first night's first day.
            for export in spec.exports {
                let layout = DatasetLayout(
                    outputDirectory: directory + "/out/demo", exportName: export.name, grain: .day, compression: .none)
                let manifest = try #require(try DatasetManifestStore.read(from: layout.manifestPath))
                #expect(manifest.partitions.first?.partition == "2026-11-09", "\(export.name)")
                #expect(manifest.partitions.last?.partition == "2026-11-23", "\(export.name)")
            }
        }
    }
}

import AnalyticsAPI
import AnalyticsSimulator
import CSVMerge
import ExportBasics
import ExportDataset
import ExportPlanner
import ExportRun
import ExportSpec
import ExportTestSupport
import Foundation
import Testing

@Suite("A partitioned dataset over loopback: each night exports only what is new or not settled")
struct PartitionedRunTests {
    static let passwords = ["user1": "pw1"]

    func spec() -> PipelineSpec {
        var spec = SpecBuilders.spec(
            timezone: "America/New_York", window: SpecBuilders.window(last: CalendarDuration(7, .day)),
            exports: [
                SpecBuilders.export("approvals", .responseApproval, chunk: .fixed(CalendarDuration(7, .day))),
                SpecBuilders.export("agents", .user),
            ])
        spec.output.layout = .partitioned
        return spec
    }

    @Test func theSecondNightExportsOnlyTheNewAndUnsettledDaysAndEveryPartitionEqualsAnExportOfItsDay() async throws {
        let directory = try PipelineHarness.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var configuration = SimulatorHarness.fastConfiguration(seed: 7)
        configuration.users = ["user1": "pw1"]
        try await SimulatorHarness.withSimulator(configuration) { simulator in
            let first = try await PipelineHarness.run(
                spec(), on: simulator, directory: directory, now: SpecBuilders.instant("2025-02-25T11:00:00Z"),
                timeScale: 10_000, passwords: Self.passwords, settleSeconds: 2 * 86_400)
            #expect(first.incomplete.isEmpty && first.summary.failed.isEmpty)
            // agents (totals over their window) is one job per day.
            #expect(first.plan.exports.map(\.chunks.count).last == 7)
            let second = try await PipelineHarness.run(
                spec(), on: simulator, directory: directory, now: SpecBuilders.instant("2025-02-26T11:00:00Z"),
                timeScale: 10_000, passwords: Self.passwords, settleSeconds: 2 * 86_400)
            #expect(second.incomplete.isEmpty && second.summary.failed.isEmpty)
            // Only the new day (Feb 25) and the two not yet settled (Feb 23, 24) are exported again: the chunks cover
            // exactly Feb 23 … Feb 26, in one 7d job though Feb 24 starts a week (a range the dataset answers is cut
            // from its own start), and one job per day for agents (totals over their window).
            let clock = ZonedClock(timeZone: TimeZone(identifier: "America/New_York")!)
            let chunks = Dictionary(uniqueKeysWithValues: second.plan.exports.map { ($0.name, $0.chunks) })
            let start = PartitionKey(.day, year: 2025, month: 2, day: 23).window(on: clock).startMs
            let end = PartitionKey(.day, year: 2025, month: 2, day: 26).window(on: clock).startMs
            for export in ["approvals", "agents"] {
                let windows = (chunks[export] ?? []).map { ($0.request.startTime, $0.request.endTime) }.sorted {
                    $0 < $1
                }
                #expect(windows.first?.0 == start && windows.last?.1 == end, "\(export)")
                #expect(zip(windows, windows.dropFirst()).allSatisfy { $0.1 == $1.0 }, "\(export)")
            }
            #expect(chunks["agents"]?.count == 3)
            #expect(chunks["approvals"]?.count == 1)
            let generator = ExportDataGenerator(seed: 7)
            for export in ["approvals", "agents"] {
                let layout = DatasetLayout(
                    outputDirectory: directory + "/out", exportName: export, grain: .day, compression: .none)
                let manifest = try #require(try DatasetManifestStore.read(from: layout.manifestPath))
                // Feb 18 … Feb 25: the first night's window and the second's; Feb 18 is history now, kept.
                #expect(manifest.partitions.map(\.partition) == (18...25).map { "2025-02-\($0)" }, "\(export)")
                for entry in manifest.partitions {
                    let key = try #require(PartitionKey(parsing: entry.partition, grain: .day))
                    let window = key.window(on: clock)
                    let request = ExportRequest(
                        type: export == "approvals" ? .responseApproval : .user, startTime: window.startMs,
                        endTime: window.endMs, locale: "en", timezone: "America/New_York")
                    let stored = Array(try Data(contentsOf: URL(fileURLWithPath: layout.root + "/" + entry.file)))
                    #expect(stored == (try generator.csv(for: request)), "\(export) \(key)")
                }
            }
        }
    }

    @Test func aPartitionDeletedOrCorruptedByHandIsExportedAgainAndOnlyIt() async throws {
        let directory = try PipelineHarness.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var configuration = SimulatorHarness.fastConfiguration(seed: 7)
        configuration.users = ["user1": "pw1"]
        let now = SpecBuilders.instant("2025-02-25T11:00:00Z")
        var spec = spec()
        spec.exports = [spec.exports[0]]
        try await SimulatorHarness.withSimulator(configuration) { simulator in
            _ = try await PipelineHarness.run(
                spec, on: simulator, directory: directory, now: now, timeScale: 10_000, passwords: Self.passwords)
            let layout = DatasetLayout(
                outputDirectory: directory + "/out", exportName: "approvals", grain: .day, compression: .none)
            let before = try #require(try DatasetManifestStore.read(from: layout.manifestPath))
            let deleted = layout.path(of: PartitionKey(.day, year: 2025, month: 2, day: 20))
            let corrupted = layout.path(of: PartitionKey(.day, year: 2025, month: 2, day: 21))
            try FileManager.default.removeItem(atPath: deleted)
            var bytes = Array(try Data(contentsOf: URL(fileURLWithPath: corrupted)))
            bytes[bytes.count / 2] ^= 0x20
            try Data(bytes).write(to: URL(fileURLWithPath: corrupted))
            // settle 0: every other partition is settled; only the two files are exported again, in one job.
            let log = PipelineHarness.EventLog()
            let again = try await PipelineHarness.run(
                spec, on: simulator, directory: directory, now: now, timeScale: 10_000, passwords: Self.passwords,
                log: log)
            // The corrupted one with a notice (the deleted one is merely missing).
            let notices = log.events.filter { $0.kind == .warning }.compactMap(\.message)
            #expect(notices.count == 1 && notices[0].contains("partition day=2025-02-21"), "\(notices)")
            #expect(notices.first?.contains("no longer matches the dataset manifest") == true)
            let clock = ZonedClock(timeZone: TimeZone(identifier: "America/New_York")!)
            let chunks = try #require(again.plan.exports.first?.chunks)
            #expect(
                chunks.map { ($0.request.startTime, $0.request.endTime) }.first?.0
                    == PartitionKey(.day, year: 2025, month: 2, day: 20).window(on: clock).startMs)
            #expect(
                chunks.last?.request.endTime
                    == PartitionKey(.day, year: 2025, month: 2, day: 22).window(on: clock).startMs)
            let after = try #require(try DatasetManifestStore.read(from: layout.manifestPath))
            #expect(after.partitions.map(\.sha256) == before.partitions.map(\.sha256))
            for (old, new) in zip(before.partitions, after.partitions)
            where !["2025-02-20", "2025-02-21"].contains(old.partition) {
                #expect(old == new, "\(old.partition) untouched")
            }
            #expect(
                Hex.sha256(Array(try Data(contentsOf: URL(fileURLWithPath: corrupted)))) == before.partitions[3].sha256)
        }
    }

    @Test func aKilledWritersTemporaryFileIsRemovedByTheNextRun() async throws {
        let directory = try PipelineHarness.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var configuration = SimulatorHarness.fastConfiguration(seed: 7)
        configuration.users = ["user1": "pw1"]
        let now = SpecBuilders.instant("2025-02-25T11:00:00Z")
        var spec = spec()
        spec.exports = [spec.exports[0]]
        try await SimulatorHarness.withSimulator(configuration) { simulator in
            _ = try await PipelineHarness.run(
                spec, on: simulator, directory: directory, now: now, timeScale: 10_000, passwords: Self.passwords)
            let layout = DatasetLayout(
                outputDirectory: directory + "/out", exportName: "approvals", grain: .day, compression: .none)
            // Writers killed between writing and renaming (their pid is gone): a partition's temporary and a
            // manifest's, both in the export's folder, where writers put them. A live writer's and a file the tool
            // did not name are kept.
            let dead = try #require(
                stride(from: Int32(4_194_000), to: 3_000_000, by: -1).first { kill($0, 0) == -1 && errno == ESRCH })
            let stale = [
                layout.root + "/.\(layout.fileName).\(dead).abc.tmp",
                layout.root + "/.\(DatasetLayout.manifestName).\(dead).def.tmp",
            ]
            let kept = [
                layout.root + "/.\(layout.fileName).\(getpid()).ghi.tmp",
                layout.root + "/.\(layout.fileName).notes.tmp",
            ]
            for path in stale + kept { try Data("partial".utf8).write(to: URL(fileURLWithPath: path)) }
            _ = try await PipelineHarness.run(
                spec, on: simulator, directory: directory, now: now, timeScale: 10_000, passwords: Self.passwords)
            for path in stale { #expect(!FileManager.default.fileExists(atPath: path), "\(path)") }
            for path in kept { #expect(FileManager.default.fileExists(atPath: path), "\(path)") }
        }
    }
}

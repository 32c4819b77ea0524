import AnalyticsAPI
import AnalyticsSimulator
import CSVMerge
import CompressNIO
import ExportBasics
import ExportDataset
import ExportPlanner
import ExportSpec
import Foundation
import NIOCore
import Testing

@Suite("The partition writer: a run's chunks cut into files equal to one export of each partition")
struct PartitionWriterTests {
    let zone = "Europe/Berlin"
    var berlin: ZonedClock { clock(zone) }
    let generator = ExportDataGenerator(seed: 3)

    /// An export of `type` over `window`, as the simulator would send it.
    func request(
        _ type: ExportType, _ window: TimeWindow, filters: [FilterKind: [Int64]] = [:]
    ) -> ExportRequest {
        ExportRequest(
            type: type, startTime: window.startMs, endTime: window.endMs, selection: ExportSelection(filters: filters),
            locale: "en", timezone: zone)
    }

    func render(_ request: ExportRequest, _ options: ExportRenderOptions, with generator: ExportDataGenerator? = nil)
        throws -> [UInt8]
    {
        try (generator ?? self.generator).render(request, options: options)
    }

    /// Chunk files over `windows` (per group), written to `directory`.
    func chunks(
        _ type: ExportType, _ windows: [TimeWindow], groups: [(String, [FilterKind: [Int64]])] = [("", [:])],
        options: ExportRenderOptions = ExportRenderOptions(), in directory: TemporaryDirectory,
        generator: ExportDataGenerator? = nil
    ) throws -> [ExportMergePlan.Chunk] {
        var result: [ExportMergePlan.Chunk] = []
        for (group, filters) in groups {
            for (index, window) in windows.enumerated() {
                let name = "chunks/\(group.isEmpty ? "all" : group)-\(index).csv"
                let path = try directory.write(
                    name, try render(request(type, window, filters: filters), options, with: generator))
                result.append(
                    ExportMergePlan.Chunk(
                        id: name, path: path, manifestFile: name, window: window, group: group, rows: 0,
                        timeReading: .zone(zone)))
            }
        }
        return result
    }

    func writer(
        _ type: ExportType, days: [PartitionKey], chunks: [ExportMergePlan.Chunk], in directory: TemporaryDirectory,
        compression: OutputCompression = .none, exportedAt: Int64? = nil, splitsByTime: Bool = true
    ) -> PartitionWriter {
        PartitionWriter(
            layout: DatasetLayout(
                outputDirectory: directory.file("out"), exportName: "approvals", grain: days[0].grain,
                compression: compression),
            clock: berlin, partitions: days.map { PartitionWindow(key: $0, window: $0.window(on: berlin)) },
            chunks: chunks, candidates: ExportCatalog.descriptor(for: type).columnRoles(conversationReportType: nil),
            splitsByTime: splitsByTime, scratchDirectory: directory.file("state/merge"),
            exportedAtMillis: exportedAt ?? midnight(2026, 12, 1, on: berlin), settleMillis: 2 * dayMillis,
            toolVersion: "test", manifestInterval: .seconds(3_600))
    }

    /// Oct 24 … Oct 27 in Berlin (Oct 25 is 25 hours long), cut into chunks that do not follow the days.
    var days: [PartitionKey] { (24...27).map { day(2026, 10, $0) } }
    var oddChunks: [TimeWindow] {
        let start = midnight(2026, 10, 24, on: berlin)
        let end = midnight(2026, 10, 28, on: berlin)
        return [
            TimeWindow(startMs: start, endMs: start + 36 * hourMillis),
            TimeWindow(startMs: start + 36 * hourMillis, endMs: start + 61 * hourMillis),
            TimeWindow(startMs: start + 61 * hourMillis, endMs: end),
        ]
    }

    @Test func aRunOfSeveralDaysSplitsIntoFilesEqualToOneExportOfEachDay() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        for options in [
            ExportRenderOptions(), ExportRenderOptions(timeFormat: .local), ExportRenderOptions(timeFormat: .epoch),
        ] {
            let outcome = try writer(
                .responseApproval, days: days,
                chunks: try chunks(.responseApproval, oddChunks, options: options, in: directory),
                in: directory
            ).write()
            #expect(outcome.written.map(\.partition) == ["2026-10-24", "2026-10-25", "2026-10-26", "2026-10-27"])
            #expect(outcome.rowsOutside == 0)
            for (key, entry) in zip(days, outcome.written) {
                let expected = try render(request(.responseApproval, key.window(on: berlin)), options)
                let file = try directory.read("out/approvals/day=\(key.text)/approvals.csv")
                #expect(file == expected, "\(options.timeFormat) \(key)")
                #expect(entry.rows == generator.rowCount(for: request(.responseApproval, key.window(on: berlin))))
                #expect(entry.sha256 == Hex.sha256(expected))
                #expect(entry.bytes == Int64(expected.count) && entry.fileSha256 == nil)
                #expect(entry.settled)
            }
        }
    }

    @Test func fanOutGroupsAreMergedThenSplitLikeOneExportOfAllTheirValues() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let queues = generator.company.workqueues.prefix(3).map(\.id)
        let groups = queues.map { ("workqueue=\($0)", [FilterKind.workqueues: [$0]]) }
        let outcome = try writer(
            .responseApproval, days: days,
            chunks: try chunks(.responseApproval, oddChunks, groups: groups, in: directory),
            in: directory
        ).write()
        #expect(outcome.warnings.isEmpty, "\(outcome.warnings)")
        for key in days {
            let expected = try render(
                request(.responseApproval, key.window(on: berlin), filters: [.workqueues: queues]),
                ExportRenderOptions())
            #expect(try directory.read("out/approvals/day=\(key.text)/approvals.csv") == expected, "\(key)")
        }
        // The writer's merged file is gone; the chunk files are the state directory's, untouched.
        #expect(!FileManager.default.fileExists(atPath: directory.file("state/merge/approvals.partitions.csv")))
    }

    @Test func inclusiveEndBoundaryRowsAreWrittenOnceInThePartitionTheyStart() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        // An API whose end time is inclusive repeats the row at a chunk's end in the next chunk: cut the chunks at
        // rows' times so each boundary has one. The last chunk reaches past the run (to Oct 28 06:00): its rows
        // after Oct 28 00:00 belong to the next partition, outside this run.
        let start = days[0].window(on: berlin).startMs
        let end = days[3].window(on: berlin).endMs
        let times = try rowTimes(
            try render(request(.responseApproval, TimeWindow(startMs: start, endMs: end)), ExportRenderOptions()),
            in: directory)
        let cuts = [start, times[times.count / 3], times[2 * times.count / 3], end + 6 * hourMillis]
        let windows = (0..<3).map { TimeWindow(startMs: cuts[$0], endMs: cuts[$0 + 1]) }
        let options = ExportRenderOptions(inclusiveEndTime: true)
        let outcome = try writer(
            .responseApproval, days: days,
            chunks: try chunks(.responseApproval, windows, options: options, in: directory),
            in: directory
        ).write()
        for key in days {
            let expected = try render(request(.responseApproval, key.window(on: berlin)), ExportRenderOptions())
            #expect(try directory.read("out/approvals/day=\(key.text)/approvals.csv") == expected, "\(key)")
        }
        let after = generator.rowCount(
            for: request(.responseApproval, TimeWindow(startMs: end, endMs: end + 6 * hourMillis)),
            inclusiveEndTime: true)
        #expect(after > 0 && outcome.rowsOutside == after)
    }

    /// The instants of an export's time column (the second), in file order.
    func rowTimes(_ bytes: [UInt8], in directory: TemporaryDirectory) throws -> [Int64] {
        let scanner = try CSVScanner(path: try directory.write("times.csv", bytes))
        defer { scanner.closeFile() }
        _ = try scanner.next()
        var reader = TimeValueReader(.zone(zone))
        var times: [Int64] = []
        while try scanner.next() != nil {
            let instant = reader.instant(scanner.fieldString(1))
            times.append(try #require(instant))
        }
        return times
    }

    @Test func gzipPartitionsDecompressToTheExportAndTheManifestHashesTheUncompressedBytes() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let outcome = try writer(
            .responseApproval, days: days, chunks: try chunks(.responseApproval, oddChunks, in: directory),
            in: directory,
            compression: .gzip
        ).write()
        for (key, entry) in zip(days, outcome.written) {
            let expected = try render(request(.responseApproval, key.window(on: berlin)), ExportRenderOptions())
            let stored = try directory.read("out/approvals/day=\(key.text)/approvals.csv.gz")
            #expect(stored.starts(with: [0x1F, 0x8B]))
            #expect(try gunzip(stored) == expected, "\(key)")
            #expect(entry.file == "day=\(key.text)/approvals.csv.gz")
            #expect(entry.sha256 == Hex.sha256(expected))
            #expect(entry.fileSha256 == Hex.sha256(stored))
            #expect(entry.uncompressedBytes == Int64(expected.count) && entry.bytes == Int64(stored.count))
        }
    }

    @Test func anAggregateIsOneJobPerPartitionAndItsFileIsThePartition() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let key = day(2026, 10, 25)
        let chunk = try chunks(.author, [key.window(on: berlin)], in: directory)
        let outcome = try writer(.author, days: [key], chunks: chunk, in: directory, splitsByTime: false).write()
        #expect(
            try directory.read("out/approvals/day=2026-10-25/approvals.csv")
                == (try directory.read(chunk[0].manifestFile)))
        #expect(outcome.written.count == 1)
        #expect(throws: DatasetError.self) {
            try writer(.author, days: days, chunks: chunk, in: directory, splitsByTime: false).write()
        }
    }

    @Test func chunksThatLeaveAGapAreRefused() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let all = try chunks(.responseApproval, oddChunks, in: directory)
        let error = try #require(throws: DatasetError.self) {
            try writer(.responseApproval, days: days, chunks: [all[0], all[2]], in: directory).write()
        }
        #expect(error.kind == .coverage)
        #expect(!FileManager.default.fileExists(atPath: directory.file("out/approvals/_manifest.json")))
    }

    @Test func aKillBetweenRenameAndManifestLeavesCompleteFilesAndTheNextRunRedoesOnlyThose() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let first = try writer(
            .responseApproval, days: days, chunks: try chunks(.responseApproval, oddChunks, in: directory),
            in: directory
        ).write()
        // The vendor's data changed (another seed); the second run is killed right after its second rename.
        let changed = ExportDataGenerator(seed: 4)
        struct Killed: Error {}
        var renamed: [String] = []
        #expect(throws: Killed.self) {
            try writer(
                .responseApproval, days: days,
                chunks: try chunks(.responseApproval, oddChunks, in: directory, generator: changed),
                in: directory
            ).write { entry in
                renamed.append(entry.partition)
                if renamed.count == 2 { throw Killed() }
            }
        }
        let layout = DatasetLayout(
            outputDirectory: directory.file("out"), exportName: "approvals", grain: .day, compression: .none)
        let manifest = try #require(try DatasetManifestStore.read(from: layout.manifestPath))
        #expect(manifest == first.manifest)
        for (index, key) in days.enumerated() {
            let source = index < 2 ? changed : generator
            #expect(
                try directory.read("out/approvals/day=\(key.text)/approvals.csv")
                    == (try render(
                        request(.responseApproval, key.window(on: berlin)), ExportRenderOptions(), with: source)))
        }
        let leftovers = try FileManager.default.subpathsOfDirectory(atPath: layout.root).filter { $0.hasSuffix(".tmp") }
        #expect(leftovers.isEmpty, "\(leftovers)")
        let decision = DatasetDecision.decide(
            DatasetDecision.Input(
                window: TimeWindow(
                    startMs: days[0].window(on: berlin).startMs, endMs: days[3].window(on: berlin).endMs),
                grain: .day, clock: berlin, manifest: manifest.byKey,
                observations: DatasetInspector.observe(manifest, layout: layout), settleMillis: 2 * dayMillis))
        #expect(decision.exported.map(\.key) == Array(days.prefix(2)))
        #expect(decision.exported.allSatisfy { $0.reason == .changed })
    }

    @Test func theManifestRoundTripsToTheSameBytes() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let outcome = try writer(
            .responseApproval, days: days, chunks: try chunks(.responseApproval, oddChunks, in: directory),
            in: directory,
            compression: .gzip
        ).write()
        let path = directory.file("out/approvals/_manifest.json")
        let bytes = try directory.read("out/approvals/_manifest.json")
        let read = try #require(try DatasetManifestStore.read(from: path))
        #expect(read == outcome.manifest)
        // `read` returns the manifest the writer kept while the file is unchanged: decode the bytes themselves too.
        #expect(try DatasetManifestStore.decode(Data(bytes)) == outcome.manifest)
        #expect(try JSONDecoder().decode(DatasetManifest.self, from: Data(bytes)) == outcome.manifest)
        #expect(DatasetManifestStore.encode(read) == bytes)
        #expect(read.partitionGrain == .day && read.compression == .gzip && read.timeZone == zone)
        let text = String(decoding: bytes, as: UTF8.self)
        #expect(text.contains("\"exported_at\": \"2026-12-01T00:00:00+01:00\""), "\(text)")
        #expect(text.contains("\"uncompressed_bytes\""))
        try Data("{".utf8).write(to: URL(fileURLWithPath: path))
        #expect(throws: DatasetError.self) { try DatasetManifestStore.read(from: path) }
    }
}

/// `bytes` decompressed (gzip).
func gunzip(_ bytes: [UInt8]) throws -> [UInt8] {
    var buffer = ByteBufferAllocator().buffer(bytes: bytes)
    let plain = try buffer.decompress(with: .gzip())
    return Array(plain.readableBytesView)
}

import AnalyticsAPI
import CSVMerge
import ExportPlanner
import ExportSpec
import Foundation

/// The window seam's answer for a partitioned dataset: each export's missing, changed, incomplete, not settled or
/// refreshed partitions (`DatasetDecision`), as contiguous ranges aligned to partition boundaries; nothing else.
///
/// The files on disk are looked at once, before planning (`load`); answering is pure.
public struct DatasetWindowSource: WindowSource {
    /// One export's dataset as found on disk.
    public struct Found: Sendable {
        public var manifest: DatasetManifest
        /// The manifest's entries by partition (`byKey`), built once: every decision and status reads them.
        public var entries: [PartitionKey: DatasetManifest.Partition]
        public var observations: [PartitionKey: PartitionObservation]

        public init(manifest: DatasetManifest, layout: DatasetLayout, verify: Bool) {
            self.manifest = manifest
            entries = manifest.byKey
            observations = DatasetInspector.observe(entries, layout: layout, verify: verify)
        }
    }

    public let grain: PartitionGrain
    public let settleMillis: Int64
    public let refresh: RefreshRange?
    /// By export name.
    public let datasets: [String: Found]

    public init(grain: PartitionGrain, settleMillis: Int64, refresh: RefreshRange?, datasets: [String: Found]) {
        self.grain = grain
        self.settleMillis = settleMillis
        self.refresh = refresh
        self.datasets = datasets
    }

    /// Reads every `<output.dir>/<export>/_manifest.json` and looks at the files it lists (size and time; SHA-256
    /// only when the time moved, or of every file with `verify`).
    /// - Throws: `DatasetError` for a manifest that cannot be read.
    public static func load(
        outputDirectory: String, grain: PartitionGrain, compression: OutputCompression, settleMillis: Int64,
        refresh: RefreshRange?, verify: Bool = false
    ) throws -> DatasetWindowSource {
        // The exports' datasets side by side: each is a manifest to decode and a `stat` per partition (a hash per
        // partition with `verify`), independent of the others.
        let names = (try? FileManager.default.contentsOfDirectory(atPath: outputDirectory)) ?? []
        let results = Results(count: names.count)
        DispatchQueue.concurrentPerform(iterations: names.count) { index in
            results.set(index) {
                let layout = DatasetLayout(
                    outputDirectory: outputDirectory, exportName: names[index], grain: grain, compression: compression)
                return try DatasetManifestStore.read(from: layout.manifestPath).map {
                    Found(manifest: $0, layout: layout, verify: verify)
                }
            }
        }
        var datasets: [String: Found] = [:]
        for (name, result) in zip(names, results.all) {
            if let found = try result.get() { datasets[name] = found }
        }
        return DatasetWindowSource(grain: grain, settleMillis: settleMillis, refresh: refresh, datasets: datasets)
    }

    /// What each iteration of a concurrent load found, in order.
    private final class Results: @unchecked Sendable {
        private let lock = NSLock()
        private var results: [Result<Found?, any Error>]

        init(count: Int) { results = Array(repeating: .success(nil), count: count) }

        func set(_ index: Int, _ body: () throws -> Found?) {
            let result = Result { try body() }
            lock.withLock { results[index] = result }
        }

        var all: [Result<Found?, any Error>] { lock.withLock { results } }
    }

    /// The decision for one export over `window` in `zone`.
    public func decision(exportName: String, window: TimeWindow, zone: TimeZone, whole: Bool) -> DatasetDecision {
        let found = datasets[exportName]
        let manifest = found.map { $0.manifest.partitionGrain == grain ? $0.entries : [:] } ?? [:]
        return DatasetDecision.decide(
            DatasetDecision.Input(
                window: window, grain: grain, clock: ZonedClock(timeZone: zone), manifest: manifest,
                observations: found?.observations ?? [:], settleMillis: settleMillis, refresh: refresh,
                onePartitionPerJob: whole))
    }

    /// What one export's dataset holds over `window` in `zone` (`exportpipe status`).
    public func status(exportName: String, window: TimeWindow, zone: TimeZone) -> DatasetStatus {
        let found = datasets[exportName]
        let manifest = found.map { $0.manifest.partitionGrain == grain ? $0.entries : [:] } ?? [:]
        return DatasetStatus(
            export: exportName,
            input: DatasetDecision.Input(
                window: window, grain: grain, clock: ZonedClock(timeZone: zone), manifest: manifest,
                observations: found?.observations ?? [:], settleMillis: settleMillis))
    }

    public func windows(for query: WindowQuery) -> WindowAnswer {
        let zone = query.shape.timezone.flatMap(TimeZone.init(identifier:)) ?? TimeZone(identifier: "UTC")!
        let decision = decision(
            exportName: query.exportName, window: TimeWindow(startMs: query.window.start, endMs: query.window.end),
            zone: zone, whole: query.whole)
        // Stretches of partitions exported again for the same reason, one line each (missing ones are new).
        var again: [ExportedAgain] = []
        var stretch: [DatasetDecision.Entry] = []
        func flush() {
            guard let first = stretch.first, let last = stretch.last, let reason = first.reason else { return }
            again.append(
                ExportedAgain(
                    exportName: query.exportName,
                    chunk: stretch.count == 1
                        ? "partition \(first.key.directoryName)"
                        : "partitions \(first.key.directoryName) … \(last.key.directoryName) (\(stretch.count))",
                    window: TimeRange(start: first.window.startMs, end: last.window.endMs),
                    reason: reason.explanation))
            stretch = []
        }
        for entry in decision.entries {
            if let reason = entry.reason, reason != .missing, stretch.last?.reason == reason || stretch.isEmpty,
                stretch.last.map({ $0.key.next == entry.key }) ?? true
            {
                stretch.append(entry)
                continue
            }
            flush()
            if let reason = entry.reason, reason != .missing { stretch = [entry] }
        }
        flush()
        return WindowAnswer(
            ranges: decision.runs.map { TimeRange(start: $0.window.startMs, end: $0.window.endMs) },
            exportedAgain: again, cutsFromRangeStart: true)
    }
}

extension DatasetDecision.Reason {
    /// Why, for the terminal and the summary.
    public var explanation: String {
        switch self {
        case .missing: "it is missing"
        case .changed:
            "its file no longer matches the dataset manifest (edited, corrupted, or a run killed before "
                + "it updated the manifest)"
        case .incomplete: "it was exported for part of its window"
        case .unsettled: "it was exported within run.settle of its end: late data may still change it"
        case .refresh: "--refresh names it"
        }
    }
}

import CSVMerge
import ExportPlanner
import ExportSpec

/// Which partitions of one export a run must export, and why; the rest are kept. Pure: the files on disk come in
/// as observations (`DatasetInspector`), `now` as a value.
///
/// The rule (docs/dataset.md): a partition inside the export's window is exported when it is **missing** (no
/// manifest entry, or its file is gone), its file **changed** (size, or SHA-256 when the time moved, differs from
/// the manifest), it is **incomplete** (exported for only part of the window it must hold now), it is **not
/// settled** (exported less than `settle` after its end: late data may still change it), or a **refresh** range
/// names it. Partitions outside the window are never exported and never deleted: history outlives the API's
/// retention. The partitions to export form contiguous **runs**, the windows the planner cuts chunks over, aligned
/// to partition boundaries; an export that cannot be split by time (an aggregate, a snapshot) gets a run per
/// partition, so its one job per partition is the partition.
public struct DatasetDecision: Sendable, Equatable {
    /// Why a partition is exported.
    public enum Reason: String, Sendable, Hashable, Codable, CaseIterable {
        case missing
        case changed
        case incomplete
        case unsettled = "not settled"
        case refresh
    }

    /// What happens to one partition.
    public enum Verdict: Sendable, Equatable {
        case export(Reason)
        /// Inside the window, settled and unchanged.
        case keep
        /// Outside the window: kept as it is, whatever it holds (`changed` when its file no longer matches the
        /// manifest, which a run cannot repair: the API may no longer have its rows).
        case outsideWindow(changed: Bool)
    }

    /// One partition and its verdict.
    public struct Entry: Sendable, Equatable {
        public var key: PartitionKey
        /// Inside the window: the partition's window clipped to the export's; outside: the window recorded.
        public var window: TimeWindow
        public var verdict: Verdict

        public var reason: Reason? {
            if case .export(let reason) = verdict { return reason }
            return nil
        }
    }

    /// A contiguous run of partitions to export: the window the planner cuts chunks over.
    public struct Run: Sendable, Equatable {
        public var window: TimeWindow
        /// The partitions, in order; their windows are adjacent and make up `window`.
        public var partitions: [PartitionWindow]

        public var keys: [PartitionKey] { partitions.map(\.key) }
    }

    /// Every partition inside the window and every one the manifest lists, in time order.
    public var entries: [Entry]
    public var runs: [Run]

    /// The partitions to export.
    public var exported: [Entry] { entries.filter { $0.reason != nil } }

    /// The partitions kept as they are (inside the window or not).
    public var kept: [Entry] { entries.filter { $0.reason == nil } }

    /// Decides for one export.
    public static func decide(_ input: Input) -> DatasetDecision {
        let clock = input.clock
        let inside = PartitionKey.covering(input.window, grain: input.grain, clock: clock)
        var entries: [Entry] = []
        entries.reserveCapacity(max(inside.count, input.manifest.count))
        let insideSet = Set(inside)
        for key in inside {
            let full = key.window(on: clock)
            let wanted = TimeWindow(
                startMs: max(full.startMs, input.window.startMs), endMs: min(full.endMs, input.window.endMs))
            entries.append(Entry(key: key, window: wanted, verdict: verdict(key, wanted: wanted, input)))
        }
        for (key, recorded) in input.manifest where !insideSet.contains(key) {
            let changed = !unchanged(recorded, input.observations[key] ?? .absent)
            entries.append(Entry(key: key, window: recorded.window, verdict: .outsideWindow(changed: changed)))
        }
        entries.sort { $0.key < $1.key }

        var runs: [Run] = []
        var previous: PartitionKey?
        for entry in entries where entry.reason != nil {
            if !input.onePartitionPerJob, let last = runs.last, let previous, previous.next == entry.key,
                last.window.endMs == entry.window.startMs
            {
                runs[runs.count - 1].window.endMs = entry.window.endMs
                runs[runs.count - 1].partitions.append(PartitionWindow(key: entry.key, window: entry.window))
            } else {
                runs.append(
                    Run(window: entry.window, partitions: [PartitionWindow(key: entry.key, window: entry.window)]))
            }
            previous = entry.key
        }
        return DatasetDecision(entries: entries, runs: runs)
    }

    private static func verdict(_ key: PartitionKey, wanted: TimeWindow, _ input: Input) -> Verdict {
        if let refresh = input.refresh, refresh.overlaps(key) { return .export(.refresh) }
        guard let recorded = input.manifest[key] else { return .export(.missing) }
        let observation = input.observations[key] ?? .absent
        if observation == .absent { return .export(.missing) }
        if !unchanged(recorded, observation) { return .export(.changed) }
        if recorded.window.startMs > wanted.startMs || recorded.window.endMs < wanted.endMs {
            return .export(.incomplete)
        }
        if !isSettled(recorded, settleMillis: input.settleMillis) { return .export(.unsettled) }
        return .keep
    }

    /// Whether a partition was exported `settle` or more after its window ended.
    public static func isSettled(_ recorded: DatasetManifest.Partition, settleMillis: Int64) -> Bool {
        recorded.exportedAtMs >= recorded.window.endMs + settleMillis
    }

    /// Whether the file observed is the file the manifest recorded.
    static func unchanged(_ recorded: DatasetManifest.Partition, _ observation: PartitionObservation) -> Bool {
        guard case .present(let bytes, let modified, let sha256) = observation, bytes == recorded.bytes else {
            return false
        }
        // Read (its time moved, or `--verify`): its bytes decide; else its time.
        if let sha256 { return sha256 == recorded.storedSha256 }
        return modified == recorded.modifiedNs
    }
}

extension DatasetDecision {
    /// What the decision is made from.
    public struct Input: Sendable {
        /// The export's window as resolved for this run.
        public var window: TimeWindow
        public var grain: PartitionGrain
        /// The spec's time zone, which days and months are in.
        public var clock: ZonedClock
        /// The manifest's entries by partition.
        public var manifest: [PartitionKey: DatasetManifest.Partition]
        /// The files on disk (`DatasetInspector.observe`); a partition not observed counts as absent.
        public var observations: [PartitionKey: PartitionObservation]
        /// `run.settle`, in milliseconds.
        public var settleMillis: Int64
        public var refresh: RefreshRange?
        /// The export cannot be split by time (aggregate, snapshot): one run per partition.
        public var onePartitionPerJob: Bool

        public init(
            window: TimeWindow, grain: PartitionGrain, clock: ZonedClock,
            manifest: [PartitionKey: DatasetManifest.Partition], observations: [PartitionKey: PartitionObservation],
            settleMillis: Int64, refresh: RefreshRange? = nil, onePartitionPerJob: Bool = false
        ) {
            self.window = window
            self.grain = grain
            self.clock = clock
            self.manifest = manifest
            self.observations = observations
            self.settleMillis = settleMillis
            self.refresh = refresh
            self.onePartitionPerJob = onePartitionPerJob
        }
    }
}

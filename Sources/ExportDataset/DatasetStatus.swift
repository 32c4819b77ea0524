import ExportPlanner

/// What one export's dataset holds, for `exportpipe status`: partitions present (inside the window or kept as
/// history), how many are settled, how many not yet, which ones of the window are missing, which no longer match
/// the manifest, and the oldest and newest present. Pure: made from a `DatasetDecision` and the manifest it was
/// decided on.
public struct DatasetStatus: Sendable, Equatable, Codable {
    public var export: String
    /// Partitions listed in the manifest whose file is there (changed ones included).
    public var present: Int
    /// Present and exported `run.settle` or more after their end: final.
    public var settled: Int
    /// Present but exported within `run.settle` of their end: the next run exports them again.
    public var unsettled: Int
    /// Inside the window, with no file (or no manifest entry): the next run exports them.
    public var missing: Int
    /// Listed, but the file no longer matches the manifest: edited (inside the window the next run exports it
    /// again), or edited or gone outside the window (history a run cannot repair: the API may no longer have it).
    public var changed: Int
    /// Present partitions outside the window: history, kept as it is.
    public var outsideWindow: Int
    /// The oldest and newest present partition (`2026-11-20` or `2026-11`), nil when none is.
    public var oldest: String?
    public var newest: String?

    public init(
        export: String, present: Int, settled: Int, unsettled: Int, missing: Int, changed: Int, outsideWindow: Int,
        oldest: String?, newest: String?
    ) {
        self.export = export
        self.present = present
        self.settled = settled
        self.unsettled = unsettled
        self.missing = missing
        self.changed = changed
        self.outsideWindow = outsideWindow
        self.oldest = oldest
        self.newest = newest
    }

    /// The status of `export` from what its decision is made from (the window, manifest, files on disk, settle).
    public init(export: String, input: DatasetDecision.Input) {
        var input = input
        input.refresh = nil
        let decision = DatasetDecision.decide(input)
        var present: [PartitionKey] = []
        var settled = 0
        var missing = 0
        var changed = 0
        var outside = 0
        for entry in decision.entries {
            switch entry.verdict {
            case .export(.missing): missing += 1
            case .export(.changed), .outsideWindow(changed: true): changed += 1
            default: break
            }
            guard let recorded = input.manifest[entry.key], (input.observations[entry.key] ?? .absent) != .absent
            else { continue }
            present.append(entry.key)
            if case .outsideWindow = entry.verdict { outside += 1 }
            if DatasetDecision.isSettled(recorded, settleMillis: input.settleMillis) { settled += 1 }
        }
        self.init(
            export: export, present: present.count, settled: settled, unsettled: present.count - settled,
            missing: missing, changed: changed, outsideWindow: outside, oldest: present.min()?.description,
            newest: present.max()?.description)
    }
}

/// `output.layout`: what a run writes for each export.
public enum OutputLayout: String, Sendable, Hashable, Codable, CaseIterable {
    /// One CSV per export for the run's window, `<output.dir>/<name>.csv`, listed in `manifest.json` (the default).
    case merged
    /// A dataset that grows: one file per day or month, `<output.dir>/<name>/day=YYYY-MM-DD/<name>.csv[.gz]`, with
    /// a manifest per export; each run exports only partitions that are missing, not settled or changed
    /// (docs/dataset.md).
    case partitioned
}

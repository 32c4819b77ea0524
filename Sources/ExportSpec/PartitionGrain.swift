/// `output.partition`: how long one partition of a partitioned dataset is, in the spec's time zone.
public enum PartitionGrain: String, Sendable, Hashable, Codable, CaseIterable {
    /// One file per local day: `day=YYYY-MM-DD` (the default).
    case day
    /// One file per local calendar month: `month=YYYY-MM`.
    case month
}

/// Where a chunk is in its life. Every transition is journaled before the step it announces is acted on.
///
/// ```
/// planned ─▶ submitting ─▶ submitted ─▶ completed ─▶ verified
///    ▲            │             │ (rejected by the queue: back to planned, no attempt spent)
///    └────────────┴─────────────┤ (failed: attempt spent; retried, split or failed for good)
///                               ▼
///                      split (children planned) │ failed
/// ```
public enum ChunkState: String, Sendable, Codable, Hashable, CaseIterable {
    /// Known, not yet sent.
    case planned
    /// A submit is about to be sent (or was sent and its answer was lost): a job may exist without ids.
    case submitting
    /// The API accepted it; ids and URLs are journaled.
    case submitted
    /// CLOSED + COMPLETED; the file is to be downloaded.
    case completed
    /// Downloaded, checked and renamed into place: done.
    case verified
    /// Replaced by its two halves after failing.
    case split
    /// Failed for good: out of attempts and too small (or unable) to split.
    case failed

    /// Whether a job of this chunk may be outstanding on the server.
    public var mayBeOutstanding: Bool { self == .submitting || self == .submitted }
    /// Whether nothing more will happen to this chunk.
    public var isFinal: Bool { self == .verified || self == .split || self == .failed }
}

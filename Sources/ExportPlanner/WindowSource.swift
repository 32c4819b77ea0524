import AnalyticsAPI

/// A half-open stretch of time, `[start, end)`, epoch milliseconds.
public struct TimeRange: Sendable, Hashable, Codable, CustomStringConvertible {
    public var start: Int64
    public var end: Int64

    public init(start: Int64, end: Int64) {
        self.start = start
        self.end = end
    }

    public var isEmpty: Bool { end <= start }
    public var description: String { "[\(start), \(end))" }

    /// `self` less `taken` (sorted by start, disjoint), in order; empty pieces dropped.
    public func subtracting(_ taken: [TimeRange]) -> [TimeRange] {
        var pieces: [TimeRange] = []
        var cursor = start
        for range in taken where range.end > cursor && range.start < end {
            if range.start > cursor { pieces.append(TimeRange(start: cursor, end: range.start)) }
            cursor = max(cursor, range.end)
        }
        if cursor < end { pieces.append(TimeRange(start: cursor, end: end)) }
        return pieces
    }
}

/// What the planner asks a `WindowSource` about one planned export and one of its fan-out combinations.
public struct WindowQuery: Sendable, Hashable {
    /// The planned export (after a `combined` rewrite, e.g. `posts.incoming_post`).
    public var exportName: String
    /// The request every chunk of this combination sends, but for its times (they are 0 here).
    public var shape: ExportRequest
    /// The export's resolved window.
    public var window: TimeRange
    /// The export cannot be cut by time (an aggregate, or a snapshot at the window's end): only the whole window
    /// can be kept or exported.
    public var whole: Bool

    public init(exportName: String, shape: ExportRequest, window: TimeRange, whole: Bool) {
        self.exportName = exportName
        self.shape = shape
        self.window = window
        self.whole = whole
    }
}

/// A chunk an earlier run verified, kept by the plan as it is (its id, its window: never cut again).
public struct KeptChunk: Sendable, Hashable {
    public var id: String
    public var request: ExportRequest
    public var rows: Int

    public init(id: String, request: ExportRequest, rows: Int) {
        self.id = id
        self.request = request
        self.rows = rows
    }
}

/// Why a window that an earlier run had already exported is exported again, for the terminal and the summary.
public struct ExportedAgain: Sendable, Hashable, Codable {
    public var exportName: String
    /// The earlier chunk's id.
    public var chunk: String
    public var window: TimeRange
    public var reason: String

    public init(exportName: String, chunk: String, window: TimeRange, reason: String) {
        self.exportName = exportName
        self.chunk = chunk
        self.window = window
        self.reason = reason
    }
}

/// A source's answer for one query: the chunks kept from earlier runs and the ranges this run must export.
public struct WindowAnswer: Sendable, Hashable {
    /// Kept chunks, sorted by start, disjoint, inside the window.
    public var kept: [KeptChunk]
    /// What must be exported, sorted, disjoint, inside the window; the planner cuts each by the export's chunk
    /// size, from the range's own start (one that fits in one chunk is one job; the whole window alone follows the
    /// calendar grid, unless `cutsFromRangeStart`).
    public var ranges: [TimeRange]
    /// Windows exported before that are exported again, and why.
    public var exportedAgain: [ExportedAgain]
    /// Every range, the whole window too, is cut from its own start: a source whose ranges are what it keeps
    /// (a dataset's partitions) has no chunk grid to keep between runs, and a range that fits in one chunk (a week
    /// of missed nights with `chunk: 7d`) is then one job wherever the calendar grid would cut it.
    public var cutsFromRangeStart: Bool

    public init(
        kept: [KeptChunk] = [], ranges: [TimeRange], exportedAgain: [ExportedAgain] = [],
        cutsFromRangeStart: Bool = false
    ) {
        self.kept = kept
        self.ranges = ranges
        self.exportedAgain = exportedAgain
        self.cutsFromRangeStart = cutsFromRangeStart
    }
}

/// Which windows a run must export: the window seam (ARCHITECTURE.md). The planner asks it once per planned export
/// and fan-out combination; what it answers is all the planner cuts. Implementations are values, decided without
/// I/O: the spec's whole window (`WholeWindowSource`), the spec's window less what the journal verified and
/// settled (`ResumeWindowSource`), a dataset's missing or unsettled partitions.
public protocol WindowSource: Sendable {
    func windows(for query: WindowQuery) -> WindowAnswer
}

/// The spec's whole window, nothing kept: a first run, or `plan` without a journal.
public struct WholeWindowSource: WindowSource {
    public init() {}
    public func windows(for query: WindowQuery) -> WindowAnswer { WindowAnswer(ranges: [query.window]) }
}

import AnalyticsAPI
import ExportScheduling

/// One export of a plan with its chunks. A `combined` export that is rewritten becomes three of these.
public struct PlannedExport: Sendable, Codable, Hashable {
    /// The output name (`<output.dir>/<name>.csv`); `<spec name>.<type>` for the parts of a rewritten `combined`.
    public var name: String
    /// The `exports:` entry this comes from.
    public var specExportName: String
    public var type: ExportType
    /// The IANA zone windows and chunk boundaries are aligned in.
    public var timezone: String
    /// The resolved window (after retention clipping), epoch milliseconds, half-open.
    public var windowStartMillis: Int64
    public var windowEndMillis: Int64
    /// How time was cut, for people: `1d`, `auto → 7d`, `24 × 1h buckets`, `whole window`.
    public var timeSlicing: String
    /// Time windows per fan-out value.
    public var timeWindowCount: Int
    /// Fan-out combinations (1 when not fanned out).
    public var fanOutCount: Int
    /// Things a reader should know (the combined rewrite, ignored settings).
    public var notes: [String]
    /// The jobs: fan-out value major, time minor.
    public var chunks: [Chunk]
    /// What this export's jobs really took in earlier runs (from the journal), or nil before any.
    public var learnedDuration: LearnedDurations.Sample?
    /// Windows an earlier run verified that this plan exports again, and why (the window source's answer).
    public var exportedAgain: [ExportedAgain] = []

    public init(
        name: String, specExportName: String, type: ExportType, timezone: String, windowStartMillis: Int64,
        windowEndMillis: Int64, timeSlicing: String, timeWindowCount: Int, fanOutCount: Int, notes: [String],
        chunks: [Chunk], exportedAgain: [ExportedAgain] = []
    ) {
        self.name = name
        self.specExportName = specExportName
        self.type = type
        self.timezone = timezone
        self.windowStartMillis = windowStartMillis
        self.windowEndMillis = windowEndMillis
        self.timeSlicing = timeSlicing
        self.timeWindowCount = timeWindowCount
        self.fanOutCount = fanOutCount
        self.notes = notes
        self.chunks = chunks
        self.exportedAgain = exportedAgain
    }

    /// The chunks this plan runs: all but those kept from earlier runs.
    public var chunksToRun: [Chunk] { chunks.filter { $0.reasons.last != .keptFromEarlierRun } }

    public var expectedRows: Int { chunks.reduce(0) { $0 + $1.expectedRows } }
    /// The cost model's job seconds (each chunk's `expectedSeconds`).
    public var expectedSeconds: Double { chunks.reduce(0) { $0 + $1.expectedSeconds } }
    /// The job seconds the estimate uses: the cost model's, corrected by the learned duration when there is one.
    public var estimatedSeconds: Double { expectedSeconds * (learnedDuration?.ratio ?? 1) }

    /// The distinct reasons of the chunks, in first-seen order (for summaries).
    public var distinctReasons: [SplitReason] {
        var seen = Set<SplitReason>()
        var result: [SplitReason] = []
        for chunk in chunks {
            for reason in chunk.reasons where seen.insert(reason).inserted { result.append(reason) }
        }
        return result
    }
}

import AnalyticsAPI
import ExportSpec

/// Why a chunk exists with the window and filters it has. Every chunk carries the reasons that shaped it.
public enum SplitReason: Sendable, Codable, Hashable {
    /// The export totals over its window (or is a snapshot at its end): it is never split by time.
    case notSplittableByTime
    /// The window is covered by one job.
    case wholeWindow
    /// The API's 3-month maximum range cut the window (an explicit chunk was longer than that).
    case maxRange
    /// `chunk:` in the spec.
    case explicitChunk(CalendarDuration)
    /// `chunk: auto` chose this size from the volume estimate.
    case autoChunk(CalendarDuration, rowsPerDayPerJob: Int, targetRowsPerJob: Int, source: VolumeSource)
    /// `team_performance_interval`: at most this many `timeInterval` buckets per job, edges on bucket boundaries.
    /// `intervalMillis` above one week means calendar-month buckets.
    case bucketCap(bucketsPerJob: Int, intervalMillis: Int64)
    /// The API takes a single value of this filter, so several values became one job each.
    case singleValueFilter(FilterKind)
    /// `split_by:` fans the export out, one job per value of this filter.
    case splitBy(FilterKind)
    /// Part of a `combined` export planned as `incoming_post` + `response` + `conversation`.
    case combinedRewrite
    /// The window reached past the 18-month retention; this chunk starts at the retention horizon.
    case retentionClipped
    /// The executor split a failing chunk in half.
    case splitAfterFailure
    /// Verified and settled in an earlier run: kept as it is, never exported again (the window source's answer).
    case keptFromEarlierRun

    /// A stable machine-readable code, e.g. `chunk_explicit`.
    public var code: String {
        switch self {
        case .notSplittableByTime: "not_splittable_by_time"
        case .wholeWindow: "whole_window"
        case .maxRange: "max_range"
        case .explicitChunk: "chunk_explicit"
        case .autoChunk: "chunk_auto"
        case .bucketCap: "bucket_cap"
        case .singleValueFilter: "single_value_filter"
        case .splitBy: "split_by"
        case .combinedRewrite: "combined_rewrite"
        case .retentionClipped: "retention_clipped"
        case .splitAfterFailure: "split_after_failure"
        case .keptFromEarlierRun: "kept_from_earlier_run"
        }
    }

    /// One line for a person.
    public var text: String {
        switch self {
        case .notSplittableByTime:
            return "never split by time: the export totals over its window (or is a snapshot at its end)"
        case .wholeWindow:
            return "the whole window fits in one job"
        case .maxRange:
            return "cut at the API's \(APILimits.maxRangeMonths)-month maximum range per export"
        case .explicitChunk(let size):
            return "chunk: \(size) from the spec"
        case .autoChunk(let size, let rows, let target, let source):
            return "chunk: auto chose \(size): ~\(HumanFormat.count(rows)) rows/day per job (\(source.text)) "
                + "keeps jobs under \(HumanFormat.count(target)) rows"
        case .bucketCap(let buckets, let interval):
            return "at most \(buckets) × \(HumanFormat.interval(millis: interval)) buckets per job "
                + "(cap \(APILimits.maxIntervalBuckets)), edges on bucket boundaries"
        case .singleValueFilter(let kind):
            return "the API takes one \(kind.singularName) per export: one job per \(kind.singularName)"
        case .splitBy(let kind):
            return "split_by: \(kind.singularName) (one job per \(kind.singularName))"
        case .combinedRewrite:
            return "combined planned as incoming_post + response + conversation (vendor advice; keep_combined: "
                + "true opts out)"
        case .retentionClipped:
            return "window clipped to the \(APILimits.retentionMonths)-month retention"
        case .splitAfterFailure:
            return "split in half after the job failed"
        case .keptFromEarlierRun:
            return "verified and settled in an earlier run: kept, not exported again"
        }
    }
}

extension FilterKind {
    /// The singular the spec's `split_by:` uses: `team`, `workqueue`, `smart_view`, `agent`, `priority`.
    public var singularName: String {
        switch self {
        case .teams: "team"
        case .workqueues: "workqueue"
        case .smartViews: "smart_view"
        case .priorities: "priority"
        case .agents: "agent"
        }
    }
}

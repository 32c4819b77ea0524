import ExportSpec
import Foundation

/// The planner's output: every export job a run would submit, with its reasons and the estimate of the run.
public struct Plan: Sendable, Codable, Hashable {
    /// `name:` of the spec.
    public var specName: String
    /// The spec file, as given.
    public var specFile: String
    /// The instant relative windows were resolved against, epoch milliseconds.
    public var nowMillis: Int64
    /// `defaults.timezone`, used to show `now`.
    public var timezone: String
    public var exports: [PlannedExport]
    /// Warnings (and notes) found while planning; errors are in `PlanResult.diagnostics` only.
    public var warnings: [Diagnostic]
    public var estimate: PlanEstimate

    public init(
        specName: String, specFile: String, nowMillis: Int64, timezone: String, exports: [PlannedExport],
        warnings: [Diagnostic], estimate: PlanEstimate
    ) {
        self.specName = specName
        self.specFile = specFile
        self.nowMillis = nowMillis
        self.timezone = timezone
        self.exports = exports
        self.warnings = warnings
        self.estimate = estimate
    }

    public var now: Date { Date(timeIntervalSince1970: Double(nowMillis) / 1000) }

    /// Every chunk, export by export.
    public var chunks: [Chunk] { exports.flatMap(\.chunks) }

    public var chunkCount: Int { exports.reduce(0) { $0 + $1.chunks.count } }
}

import ExportDataset
import ExportExecutor
import ExportPlanner
import ExportSpec
import Foundation

extension PipelineRun {
    /// Plans `spec` at `now` with what the journal learned in earlier runs: rows per day (for `chunk: auto`), how
    /// long each export's jobs really took against the cost model (for the estimate; the plan shows them), and the
    /// chunks it verified and settled (kept as they are: the window source).
    /// - Parameter settle: seconds a chunk must have been verified after its window's end to be kept (`run.settle`).
    /// - Parameter refresh: `--refresh`: the dates whose partitions a partitioned dataset exports again.
    /// - Parameter verify: `--verify`: read every partition file and compare its SHA-256 with the manifest (without
    ///   it, a file whose size and modification time match the manifest is taken as unchanged).
    public static func plan(
        _ spec: PipelineSpec, now: Date, journal: Journal?, settle: Double? = nil, refresh: RefreshRange? = nil,
        verify: Bool = false, baseDirectory: String? = nil
    ) throws -> PlanResult {
        let hints = (try journal?.volumeHints()) ?? [:]
        let learned = (try journal?.learnedDurations()) ?? LearnedDurations()
        let settleSeconds = settle ?? spec.run.settle.nominalSeconds
        let windows: any WindowSource
        switch spec.output.layout {
        case .merged:
            windows = try windowSource(journal: journal, settleSeconds: settleSeconds)
        case .partitioned:
            // The dataset on disk decides (its missing, changed and unsettled partitions), not the journal.
            let base = baseDirectory ?? Self.baseDirectory(ofSpec: spec.file)
            windows = try DatasetWindowSource.load(
                outputDirectory: resolve(spec.output.dir, against: base), grain: spec.output.partition,
                compression: spec.output.compression, settleMillis: Int64(settleSeconds * 1000), refresh: refresh,
                verify: verify)
        }
        return Planner.plan(spec, now: now, volumeHints: hints, learned: learned, windows: windows)
    }

    /// The spec's window less the chunks the journal holds verified (the planner keeps those that settled).
    static func windowSource(journal: Journal?, settleSeconds: Double) throws -> any WindowSource {
        guard let journal else { return WholeWindowSource() }
        let verified = try journal.records().compactMap { record -> ResumeWindowSource.Verified? in
            guard record.state == .verified, let at = record.verifiedAt else { return nil }
            return ResumeWindowSource.Verified(
                id: record.id, exportName: record.exportName, request: record.request, rows: Int(record.rows ?? 0),
                verifiedAtMillis: Int64(at * 1000))
        }
        return ResumeWindowSource(verified: verified, settleMillis: Int64(settleSeconds * 1000))
    }
}

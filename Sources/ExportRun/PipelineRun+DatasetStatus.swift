import CSVMerge
import ExportDataset
import ExportPlanner
import ExportSpec
import Foundation

extension PipelineRun {
    /// What each export's dataset holds at `now` (`exportpipe status`), for `output.layout: partitioned`; nil for a
    /// merged output. Reads the manifests and looks at the files as a run would (size and time; SHA-256 only when
    /// the time moved); writes nothing.
    /// - Throws: `DatasetError` for a manifest that cannot be read.
    public static func datasetStatus(_ spec: PipelineSpec, now: Date, baseDirectory: String? = nil) throws
        -> [DatasetStatus]?
    {
        guard spec.output.layout == .partitioned else { return nil }
        let base = baseDirectory ?? Self.baseDirectory(ofSpec: spec.file)
        let source = try DatasetWindowSource.load(
            outputDirectory: resolve(spec.output.dir, against: base), grain: spec.output.partition,
            compression: spec.output.compression, settleMillis: Int64(spec.run.settle.nominalSeconds * 1000),
            refresh: nil)
        // The windows and zones a run would plan now (planning cuts chunks too: cheap, and the same rules).
        let plan = Planner.plan(spec, now: now, windows: source).plan
        return plan.exports.map { export in
            source.status(
                exportName: export.name,
                window: TimeWindow(startMs: export.windowStartMillis, endMs: export.windowEndMillis),
                zone: TimeZone(identifier: export.timezone) ?? TimeZone(identifier: "UTC")!)
        }
    }
}

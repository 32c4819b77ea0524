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
    public static func datasetStatus(
        _ spec: PipelineSpec, now: Date, verify: Bool = false, baseDirectory: String? = nil
    ) throws -> [DatasetStatus]? {
        guard spec.output.layout == .partitioned else { return nil }
        let base = baseDirectory ?? Self.baseDirectory(ofSpec: spec.file)
        let source = try DatasetWindowSource.load(
            outputDirectory: resolve(spec.output.dir, against: base), grain: spec.output.partition,
            compression: spec.output.compression, settleMillis: Int64(spec.run.settle.nominalSeconds * 1000),
            refresh: nil, verify: verify)
        // The windows and zones a run would plan now (planning cuts chunks too: cheap, and the same rules).
        let plan = Planner.plan(spec, now: now, windows: source).plan
        return plan.exports.map { export in
            source.status(
                exportName: export.name,
                window: TimeWindow(startMs: export.windowStartMillis, endMs: export.windowEndMillis),
                zone: TimeZone(identifier: export.timezone) ?? TimeZone(identifier: "UTC")!)
        }
    }

    /// Completes each export's partition counts with what its dataset holds once the run has written it, at the
    /// run's now: partitions inside the window kept as they were (`unchanged`), not yet settled, outside the window,
    /// and in all (the summary and the metrics report them). Looks at the manifests and files as a run does (size
    /// and time); an output that is not partitioned, or a manifest that cannot be read, keeps its counts as they were.
    func countPartitions(_ outputs: inout [String: OutputRecord], plan: Plan) {
        guard spec.output.layout == .partitioned,
            let source = try? DatasetWindowSource.load(
                outputDirectory: outputDirectory, grain: spec.output.partition, compression: spec.output.compression,
                settleMillis: Int64(settleSeconds * 1000), refresh: nil)
        else { return }
        for export in plan.exports {
            guard var counts = outputs[export.name]?.partitions else { continue }
            let status = source.status(
                exportName: export.name,
                window: TimeWindow(startMs: export.windowStartMillis, endMs: export.windowEndMillis),
                zone: TimeZone(identifier: export.timezone) ?? TimeZone(identifier: "UTC")!)
            counts.unchanged = max(0, status.present - status.outsideWindow - counts.written)
            counts.unsettled = status.unsettled
            counts.outsideWindow = status.outsideWindow
            counts.total = status.present
            outputs[export.name]?.partitions = counts
        }
    }
}

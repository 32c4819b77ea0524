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

    /// Completes the partition counts of the exports this run did not write (nothing to do, or failed) with what
    /// their dataset's manifest lists at the run's window (`PartitionedOutput.counts`); those it wrote were counted
    /// as they were written. An output that is not partitioned, or a manifest that cannot be read, keeps its counts.
    func countPartitions(_ outputs: inout [String: OutputRecord], plan: Plan) {
        guard spec.output.layout == .partitioned else { return }
        for export in plan.exports where outputs[export.name]?.partitions?.total == nil {
            guard let counts = outputs[export.name]?.partitions,
                let manifest =
                    (try? DatasetManifestStore.read(
                        from: outputDirectory + "/" + export.name + "/" + DatasetLayout.manifestName)) ?? nil
            else { continue }
            outputs[export.name]?.partitions = PartitionedOutput.counts(
                manifest, written: counts.written,
                window: TimeWindow(startMs: export.windowStartMillis, endMs: export.windowEndMillis),
                clock: ZonedClock(timeZone: TimeZone(identifier: export.timezone) ?? TimeZone(identifier: "UTC")!))
        }
    }
}

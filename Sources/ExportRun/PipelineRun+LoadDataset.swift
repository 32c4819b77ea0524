import CSVMerge
import ExportDataset
import ExportExecutor
import ExportLoading
import ExportPlanner
import ExportSpec
import Foundation
import Logging

extension PipelineRun {
    /// The exports of a partitioned spec as the loader takes them (names, types, zones as a run would plan them at
    /// `now`), narrowed to `export` when given.
    /// - Throws: `LoadSelectionError` for an `export` the spec does not plan.
    public static func loadTargets(_ spec: PipelineSpec, now: Date, baseDirectory: String, export: String? = nil)
        throws -> [LoadTarget]
    {
        let outputDirectory = resolve(spec.output.dir, against: baseDirectory)
        let source = try DatasetWindowSource.load(
            outputDirectory: outputDirectory, grain: spec.output.partition, compression: spec.output.compression,
            settleMillis: Int64(spec.run.settle.nominalSeconds * 1000), refresh: nil)
        let plan = Planner.plan(spec, now: now, windows: source).plan
        let targets = LoadTarget.all(plan, spec: spec, outputDirectory: outputDirectory)
        guard let export else { return targets }
        let chosen = targets.filter { $0.exportName == export }
        guard !chosen.isEmpty else {
            throw LoadSelectionError(
                "--export \(export): the spec has no export of that name (its exports: "
                    + "\(targets.map(\.exportName).joined(separator: ", ")))")
        }
        return chosen
    }

    /// `exportpipe load`: loads the dataset on disk into `output.load`'s database without calling the API: every
    /// partition not loaded with its SHA-256 yet, narrowed to one export and/or one partition.
    /// - Parameters:
    ///   - partition: `2026-03-04` or `day=2026-03-04` (`2026-03`/`month=2026-03` for a monthly dataset).
    /// - Throws: `LoadSelectionError` for a spec without `output.load` or a selection that names nothing;
    ///   `WarehouseError` (`.configuration`) for settings that cannot be used. Load failures are in the report.
    public static func loadDataset(
        _ spec: PipelineSpec, specPath: String, now: Date, environment: [String: String], export: String? = nil,
        partition: String? = nil, notify: @escaping @Sendable (ProgressEvent) -> Void = { _ in },
        logger: Logger = Logger(label: "exportpipe.load")
    ) async throws -> LoadReport {
        guard let settings = try warehouseSettings(spec, environment: environment) else {
            throw LoadSelectionError(
                "\(specPath) has no output.load: nothing says where to load the dataset. Add output.load "
                    + "(postgres:, schema:, password_env:) to the spec's output section (docs/warehouse.md)")
        }
        var only: String?
        if let partition {
            let text = partition.split(separator: "=", maxSplits: 1).last.map(String.init) ?? partition
            guard let key = PartitionKey(parsing: text, grain: spec.output.partition) else {
                throw LoadSelectionError(
                    "--partition \(partition) is not a \(spec.output.partition.rawValue) partition of this dataset "
                        + "(e.g. \(spec.output.partition == .day ? "2026-03-04" : "2026-03"))")
            }
            only = key.text
        }
        let targets = try loadTargets(
            spec, now: now, baseDirectory: baseDirectory(ofSpec: specPath), export: export)
        if let only {
            let holding = targets.filter { target in
                ((try? target.manifestPartitions()) ?? []).contains { $0.partition == only }
            }
            guard !holding.isEmpty else {
                throw LoadSelectionError(
                    "--partition \(only): no dataset of \(targets.map(\.exportName).joined(separator: ", ")) holds "
                        + "that partition on disk; `exportpipe status \(specPath)` lists what each holds")
            }
        }
        let queue = PartitionLoadQueue(
            settings: settings, runID: runID(command: "load"), notify: notify, logger: logger)
        queue.catchUp(targets, only: only)
        return await queue.finish()
    }
}

/// A `load` that cannot start: the spec has no `output.load`, or `--export`/`--partition` name nothing.
public struct LoadSelectionError: Error, Sendable, CustomStringConvertible {
    public var description: String

    public init(_ description: String) { self.description = description }
}

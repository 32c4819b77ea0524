import ExportDataset
import ExportLoading
import ExportPlanner
import ExportSpec

/// `output.load`: the partitioned dataset, each partition handed to the load queue the moment its file is final,
/// so it loads while the writer goes on with the next partitions and other exports' chunks still run. What is on
/// disk never depends on the load: an export written is kept whatever its load does.
struct LoadingOutput: RunOutput {
    let dataset: PartitionedOutput
    let queue: PartitionLoadQueue
    let spec: PipelineSpec

    var directory: String { dataset.directory }
    var manifestPath: String? { dataset.manifestPath }

    func removeLeftovers(of plan: Plan) { dataset.removeLeftovers(of: plan) }

    func write(_ export: CompletedExport) async throws -> OutputRecord {
        let target = LoadTarget(export.export, spec: spec, outputDirectory: dataset.directory)
        let queue = queue
        return try await dataset.write(export) { entry in
            if let partition = target.loadable(entry) { queue.load(partition) }
        }
    }

    func current(_ exports: [String]) -> [String: OutputRecord] { dataset.current(exports) }
}

import ExportExecutor
import ExportPlanner

/// Which chunks `exportpipe retry` runs: those that failed for good, among the plan's exports, narrowed by
/// `--export` and `--chunk`. Verified chunks are never among them, so their files and the outputs built from them
/// stay as they are.
public enum RetryPlanner {
    /// The failed chunks to run again, in journal order (export, window, id); empty when nothing failed.
    /// - Throws: `RetrySelectionError` when `export` is not one of the plan's exports, or
    ///   `chunk` is not a failed chunk of the selected exports.
    public static func chunks(
        toRetry plan: Plan, records: [ChunkRecord], export: String?, chunk: String?, specPath: String
    ) throws -> [ChunkRecord] {
        var exports = plan.exports
        if let export {
            exports = exports.filter { $0.name == export }
            guard !exports.isEmpty else {
                throw RetrySelectionError(
                    "--export \(export): \(specPath) has no export of that name; its exports are "
                        + plan.exports.map(\.name).joined(separator: ", "))
            }
        }
        let failed = exports.flatMap { planned in
            PipelineRun.leaves(of: planned.chunks.map(\.id), in: records).filter { $0.state == .failed }
        }
        guard let chunk else { return failed }
        if let match = failed.first(where: { $0.id == chunk }) { return [match] }
        let scope = export.map { "of export \($0) " } ?? ""
        guard let record = records.first(where: { $0.id == chunk }) else {
            throw RetrySelectionError(
                "--chunk \(chunk): the journal has no chunk \(scope)with that id; `exportpipe status \(specPath)` "
                    + "lists the failed ones")
        }
        if export != nil, record.exportName != export {
            throw RetrySelectionError(
                "--chunk \(chunk) belongs to export \(record.exportName), not \(export!)")
        }
        let state =
            switch record.state {
            case .verified: "is verified: there is nothing to retry"
            case .split: "was split into halves; retry those (`exportpipe status \(specPath)` lists the failed ones)"
            default:
                "has not failed for good (it is \(record.state.rawValue)); `exportpipe run \(specPath)` resumes it"
            }
        throw RetrySelectionError("--chunk \(chunk) \(state)")
    }
}

/// `retry --export/--chunk` named something the journal cannot retry (exit 2).
public struct RetrySelectionError: Error, Sendable, Hashable, CustomStringConvertible {
    public let description: String

    init(_ description: String) { self.description = description }
}

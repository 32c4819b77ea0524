import ExportExecutor
import ExportPlanner
import Foundation

/// Writes each export the moment its chunks are all verified, while the executor goes on with other exports'
/// chunks (a run with `output.load`: its partitions then load while the rest of the run still exports). It watches
/// the run's `.verified` events; on each, it reads the journal once for the exports they name and writes those whose
/// chunks (split ones by their halves) are all verified. An export it could not write is left to the run's final
/// pass, which writes every complete export not written yet.
final class ExportEarlyWriter: Sendable {
    private let continuation: AsyncStream<String>.Continuation
    private let worker: Task<[OutputRecord], Never>

    /// - Parameters:
    ///   - exports: the exports it may write (a `retry` writes only those it ran).
    ///   - write: writes one export from its leaves (the run's writer, the same as its final pass).
    init(
        plan: Plan, exports: Set<String>, journal: Journal,
        write: @escaping @Sendable (PlannedExport, [ChunkRecord], ChunkLineage) async throws -> OutputRecord
    ) {
        let (stream, continuation) = AsyncStream<String>.makeStream()
        self.continuation = continuation
        worker = Task {
            var written: [OutputRecord] = []
            var done = Set<String>()
            var pending = Set<String>()
            var iterator = stream.makeAsyncIterator()
            while let name = await iterator.next() {
                pending.insert(name)
                // Events that arrived meanwhile are handled with one journal read.
                pending.subtract(done)
                guard !pending.isEmpty, !Task.isCancelled, let records = try? journal.records() else { continue }
                let lineage = ChunkLineage(
                    plan: plan,
                    parents: Dictionary(
                        records.compactMap { record in record.parentId.map { (record.id, $0) } },
                        uniquingKeysWith: { first, _ in first }))
                for export in plan.exports
                where pending.contains(export.name) && exports.contains(export.name) && !export.chunks.isEmpty {
                    let leaves = PipelineRun.leaves(of: export.chunks.map(\.id), in: records)
                    guard !leaves.isEmpty, leaves.allSatisfy({ $0.state == .verified }) else { continue }
                    done.insert(export.name)
                    if let record = try? await write(export, leaves, lineage) { written.append(record) }
                }
                pending.removeAll()
            }
            return written
        }
    }

    /// One event of the executor (never blocks).
    func handle(_ event: ProgressEvent) {
        if event.kind == .verified, let export = event.export { continuation.yield(export) }
    }

    /// Waits for the writes under way and says what was written. Cancelling the waiting task stops them (an export
    /// being written keeps its previous output).
    func finish() async -> [OutputRecord] {
        continuation.finish()
        return await withTaskCancellationHandler {
            await worker.value
        } onCancel: {
            worker.cancel()
        }
    }
}

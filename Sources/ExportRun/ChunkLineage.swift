import ExportExecutor
import ExportPlanner
import ExportSpec
import Foundation

/// The planned chunk every chunk of a run descends from, so that a split keeps its reasons and fan-out values and
/// the merge groups chunks by the filter values as planned (never re-read from query strings).
///
/// Knows the plan's chunks, the halves this run split them into, and (from the journal) the halves earlier runs
/// split them into. Shared by the splitter, which the executor calls from its actor, and the merge.
public final class ChunkLineage: @unchecked Sendable {
    private let lock = NSLock()
    private var chunks: [String: Chunk]
    private var parents: [String: String]

    public init(plan: Plan, parents: [String: String] = [:]) {
        chunks = Dictionary(plan.chunks.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        self.parents = parents
    }

    /// The chunk `id` as planned or split, or the nearest ancestor that is known.
    public func chunk(_ id: String) -> Chunk? {
        lock.withLock {
            var current: String? = id
            var seen = Set<String>()
            while let next = current, seen.insert(next).inserted {
                if let chunk = chunks[next] { return chunk }
                current = parents[next]
            }
            return nil
        }
    }

    /// The fan-out values chunk `id` was planned with (empty when the export is not fanned out).
    public func fanOut(of id: String) -> [FanOutValue] { chunk(id)?.fanOut ?? [] }

    /// The fan-out group of chunk `id`, as the manifest names it: `team=12`, `workqueue=3,priority=1`, or empty.
    public func group(of id: String) -> String {
        fanOut(of: id).map(\.description).joined(separator: ",")
    }

    /// Splits `item` in half by time (as the planner would), keeping its reasons and fan-out values.
    public func split(_ item: WorkItem, minimumDuration: CalendarDuration, timeZone: TimeZone) -> [WorkItem]? {
        let known = chunk(item.id)
        let chunk = Chunk(
            exportName: item.exportName, request: item.request, reasons: known?.reasons ?? [],
            expectedRows: item.expectedRows, fanOut: known?.fanOut ?? [])
        guard let children = Planner.split(chunk, minimumDuration: minimumDuration, timeZone: timeZone) else {
            return nil
        }
        lock.withLock {
            for child in children {
                chunks[child.id] = child
                parents[child.id] = item.id
            }
        }
        return children.map { child in
            WorkItem(
                id: child.id, exportName: child.exportName, request: child.request,
                expectedRows: child.expectedRows, expectedSeconds: child.expectedSeconds, parentId: item.id)
        }
    }
}

import ExportExecutor
import ExportPlanner
import ExportSpec
import Foundation

/// The planned chunk every chunk of a run descends from, so that the merge groups chunks by the filter values as
/// planned (never re-read from query strings). A value: the plan's chunks and the parent of each split chunk, as
/// the core kept them (`ExecutionSummary.lineage`) and the journal holds them from earlier runs.
public struct ChunkLineage: Sendable {
    private let chunks: [String: Chunk]
    private let parents: [String: String]

    public init(plan: Plan, parents: [String: String] = [:]) {
        chunks = Dictionary(plan.chunks.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        self.parents = parents
    }

    /// The planned chunk `id` descends from (itself when it is one), or nil when it is not known.
    public func chunk(_ id: String) -> Chunk? {
        var current: String? = id
        var seen = Set<String>()
        while let next = current, seen.insert(next).inserted {
            if let chunk = chunks[next] { return chunk }
            current = parents[next]
        }
        return nil
    }

    /// The fan-out values chunk `id` was planned with (empty when the export is not fanned out).
    public func fanOut(of id: String) -> [FanOutValue] { chunk(id)?.fanOut ?? [] }

    /// The fan-out group of chunk `id`, as the manifest names it: `team=12`, `workqueue=3,priority=1`, or empty.
    public func group(of id: String) -> String {
        fanOut(of: id).map(\.description).joined(separator: ",")
    }

    /// The core's splitter: a pure function that halves a work item by time as the planner would (`Planner.split`),
    /// in its export's time zone, never below `minimumDuration`. Its halves are identified by their requests; the
    /// core records whose halves they are.
    public static func splitter(minimumDuration: CalendarDuration, timeZones: [String: TimeZone]) -> ChunkSplitter {
        { item in
            let zone = timeZones[item.exportName] ?? TimeZone(identifier: "UTC")!
            let planned = Chunk(
                exportName: item.exportName, request: item.request, reasons: [], expectedRows: item.expectedRows,
                fanOut: [])
            return Planner.split(planned, minimumDuration: minimumDuration, timeZone: zone)?.map { half in
                WorkItem(
                    id: half.id, exportName: half.exportName, request: half.request, expectedRows: half.expectedRows,
                    expectedSeconds: half.expectedSeconds, parentId: item.id, timeZone: item.timeZone)
            }
        }
    }
}

import ExportDataset
import ExportSpec
import Foundation

/// `exportpipe status` for a partitioned pipeline: one line per export, what its dataset holds.
enum DatasetStatusTable {
    static func lines(_ statuses: [DatasetStatus], grain: PartitionGrain) -> [String] {
        let header = ["export", "present", "settled", "unsettled", "missing", "changed", "history", "oldest", "newest"]
        let rows =
            [header]
            + statuses.map {
                [
                    $0.export, "\($0.present)", "\($0.settled)", "\($0.unsettled)", "\($0.missing)", "\($0.changed)",
                    "\($0.outsideWindow)", $0.oldest ?? "-", $0.newest ?? "-",
                ]
            }
        let widths = header.indices.map { column in rows.map { $0[column].count }.max() ?? 0 }
        var lines = ["dataset (\(grain.rawValue) partitions; history: kept outside the window)"]
        for row in rows {
            let cells = row.enumerated().map { index, cell in
                let pad = String(repeating: " ", count: widths[index] - cell.count)
                // Names and dates left-aligned, counts right-aligned.
                return index == 0 || index >= 7 ? cell + pad : pad + cell
            }
            lines.append("  " + cells.joined(separator: "  ").trimmingCharacters(in: .whitespaces))
        }
        if statuses.contains(where: { $0.missing > 0 || $0.unsettled > 0 || $0.changed > 0 }) {
            lines.append("  the next run exports the missing, unsettled and changed partitions inside the window")
        }
        return lines + [""]
    }

    /// `{"datasets": [...]}`, merged into the journal report's JSON object when there is one.
    static func json(_ statuses: [DatasetStatus], adding report: Data? = nil) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
        var object = try report.flatMap { try JSONSerialization.jsonObject(with: $0) as? [String: Any] } ?? [:]
        object["datasets"] = try JSONSerialization.jsonObject(with: encoder.encode(statuses))
        let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .prettyPrinted])
        return String(decoding: data, as: UTF8.self)
    }
}

import ExportLoading
import ExportSpec
import Foundation

/// What the database holds of a dataset (`exportpipe status` with `output.load`): per export, the partitions on disk
/// loaded with their file's SHA-256, and those waiting — on disk but not loaded, or loaded from another version of
/// the file. When the database cannot be reached, `unreachable` says why and the exports list nothing.
public struct LoadStatus: Sendable, Hashable, Codable {
    public struct Waiting: Sendable, Hashable, Codable {
        /// `2026-03-04`.
        public var partition: String
        /// `not loaded`, or `loaded from another version of the file` (its SHA-256 differs).
        public var reason: String
    }

    public struct Export: Sendable, Hashable, Codable {
        public var name: String
        /// `<schema>.<table>`.
        public var table: String
        /// Partitions on disk whose file is what the table holds.
        public var loaded: [String]
        /// Rows of those partitions, as the bookkeeping records them.
        public var loadedRows: Int
        public var waiting: [Waiting]
        /// When the last of its partitions was loaded (ISO 8601, UTC).
        public var lastLoadedAt: String?
    }

    /// The destination as it may be printed (never a password).
    public var destination: String
    public var unreachable: String?
    public var exports: [Export]

    /// The lines `status` prints.
    public var lines: [String] {
        var lines = ["load into \(destination):"]
        if let unreachable {
            lines.append("  the database cannot be reached, so what is loaded is unknown: \(unreachable)")
            return lines
        }
        for export in exports {
            var line =
                "  \(export.name) → \(export.table): \(export.loaded.count) partition(s) loaded "
                + "(\(export.loadedRows) rows), \(export.waiting.count) waiting"
            if let last = export.lastLoadedAt { line += ", last loaded \(last)" }
            lines.append(line)
            let shown = export.waiting.prefix(8)
            for waiting in shown { lines.append("    waiting: \(waiting.partition) (\(waiting.reason))") }
            if export.waiting.count > shown.count {
                lines.append("    … and \(export.waiting.count - shown.count) more waiting")
            }
        }
        if exports.contains(where: { !$0.waiting.isEmpty }) {
            lines.append("  the next run loads what is waiting; `exportpipe load SPEC` loads it now")
        }
        return lines
    }
}

extension PipelineRun {
    /// What the database holds of `spec`'s dataset; nil for a spec without `output.load`. Reads only: creates and
    /// changes nothing, in the database or on disk. A database that cannot be reached within `timeout` seconds is
    /// reported in the status, not thrown.
    /// - Throws: `WarehouseError` (`.configuration`) for settings that cannot be used.
    public static func loadStatus(
        _ spec: PipelineSpec, now: Date, baseDirectory: String, environment: [String: String],
        timeout: TimeInterval = 10
    ) async throws -> LoadStatus? {
        guard var settings = try warehouseSettings(spec, environment: environment) else { return nil }
        settings.connectTimeout = timeout
        let targets = try loadTargets(spec, now: now, baseDirectory: baseDirectory)
        var status = LoadStatus(destination: settings.redacted, unreachable: nil, exports: [])
        let recorded: [String: [LoadedPartition]]
        do { recorded = try await WarehouseBookkeeping.recorded(settings) } catch {
            status.unreachable = "\(error)"
            return status
        }
        let formatter = ISO8601DateFormatter()
        for target in targets {
            let byKey = Dictionary(
                (recorded[target.exportName] ?? []).map { ($0.key, $0) }, uniquingKeysWith: { first, _ in first })
            var export = LoadStatus.Export(
                name: target.exportName, table: settings.schema + "." + WarehouseNames.table(target.exportName),
                loaded: [], loadedRows: 0, waiting: [], lastLoadedAt: nil)
            var last: Date?
            for entry in (try? target.manifestPartitions()) ?? [] {
                guard let partition = target.loadable(entry) else { continue }
                if let record = byKey[partition.key] {
                    if record.sha256 == partition.sha256 {
                        export.loaded.append(entry.partition)
                        export.loadedRows += record.rows
                        last = max(last ?? record.loadedAt, record.loadedAt)
                    } else {
                        export.waiting.append(
                            .init(partition: entry.partition, reason: "loaded from another version of the file"))
                    }
                } else {
                    export.waiting.append(.init(partition: entry.partition, reason: "not loaded"))
                }
            }
            export.lastLoadedAt = last.map { formatter.string(from: $0) }
            status.exports.append(export)
        }
        return status
    }
}

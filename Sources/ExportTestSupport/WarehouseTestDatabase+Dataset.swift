import AnalyticsAPI
import CSVMerge
import ExportBasics
import ExportDataset
import ExportLoading
import Foundation

extension WarehouseTestDatabase {
    /// How `export`'s table differs from its dataset in `outputDirectory` (`<dir>/<export>/_manifest.json` and the
    /// files it lists), one line per difference: empty when the table holds exactly the dataset's rows. For every
    /// partition the manifest lists — those that left the window too — the table's rows of that `_partition` are as
    /// many as the file's (and the manifest's count), and their ids, the catalog's id column of `type`
    /// (`ExportDescriptor.sortKey.idColumn`), are the file's, each as many times; the table has no other partition.
    /// The database sends one digest of the sorted ids per partition (its rows only for a partition that differs);
    /// `files` keeps each file version's ids, so a test comparing night after night reads a file once.
    /// - Throws: when the manifest or a file cannot be read, the file has no id column, or a partition is
    ///   compressed (the datasets compared are `compression: none`).
    public func differences(
        export: String, type: ExportType, outputDirectory: String, files: PartitionFileIDs = PartitionFileIDs()
    ) async throws -> [String] {
        let root = outputDirectory + "/" + export
        guard let manifest = try DatasetManifestStore.read(from: root + "/" + DatasetLayout.manifestName) else {
            return ["\(export): no manifest in \(root)"]
        }
        let catalog = ExportCatalog.descriptor(for: type)
        let idColumn = catalog.sortKey.idColumn
        let sortedIDs = "string_agg(\(idColumn)::text, E'\\n' ORDER BY \(idColumn)::text COLLATE \"C\")"
        var loaded: [String: (rows: Int, digest: String)] = [:]
        for row in try await strings(
            "SELECT _partition::text || ' ' || count(*) || ' ' || "
                + "coalesce(encode(sha256(convert_to(\(sortedIDs), 'UTF8')), 'hex'), '-') "
                + "FROM \(table(export)) GROUP BY _partition")
        {
            let parts = (row ?? "").split(separator: " ").map(String.init)
            loaded[parts[0]] = (Int(parts[1]) ?? -1, parts[2])
        }
        var differences: [String] = []
        for entry in manifest.partitions {
            let file = try files.ids(of: root + "/" + entry.file, sha256: entry.sha256, idColumn: idColumn, catalog)
            let name = "\(export)/\(entry.partition)"
            if file.count != entry.rows {
                differences.append("\(name): the file has \(file.count) rows, its manifest says \(entry.rows)")
            }
            guard let table = loaded.removeValue(forKey: entry.partition) else {
                differences.append("\(name): not in the table (the file has \(file.count) rows)")
                continue
            }
            if table.rows != file.count {
                differences.append("\(name): the table has \(table.rows) rows, the file \(file.count)")
            }
            if table.digest != Hex.sha256(Array(file.joined(separator: "\n").utf8)) {
                let rows = try await strings(
                    "SELECT \(idColumn)::text FROM \(self.table(export)) WHERE _partition = '\(entry.partition)'")
                let ids = rows.map { $0 ?? "NULL" }
                let missing = Set(file).subtracting(ids).sorted().prefix(5)
                let extra = Set(ids).subtracting(file).sorted().prefix(5)
                differences.append(
                    "\(name): the table's \(idColumn)s are not the file's (missing e.g. \(Array(missing)), extra e.g. "
                        + "\(Array(extra)), or some repeated)")
            }
        }
        for (partition, table) in loaded.sorted(by: { $0.key < $1.key }) {
            differences.append("\(export)/\(partition): \(table.rows) rows in the table, no such partition on disk")
        }
        return differences
    }
}

/// The ids of partition files, each file version (its SHA-256) read once.
public final class PartitionFileIDs: @unchecked Sendable {
    private let lock = NSLock()
    private var read: [String: [String]] = [:]

    public init() {}

    /// The id column's field of every record after the header of the CSV at `path` (whose SHA-256 is `sha256`), as
    /// the loader reads a field, sorted by their UTF-8 bytes.
    public func ids(of path: String, sha256: String, idColumn: String, _ catalog: ExportDescriptor) throws -> [String] {
        let key = path + " " + sha256
        if let known = lock.withLock({ read[key] }) { return known }
        guard !path.hasSuffix(".gz") else {
            throw CLIRunnerError(description: "\(path): only uncompressed partitions are compared with a table")
        }
        let scanner = try CSVScanner(path: path)
        guard let header = try scanner.next() else { return [] }
        let names = (0..<header.fieldCount).map {
            WarehouseNames.column(
                header: WarehouseLoader.fieldText(scanner.rawField($0)), position: $0, catalog: catalog)
        }
        guard let index = names.firstIndex(of: idColumn) else {
            throw CLIRunnerError(description: "\(path) has no column \(idColumn): its header reads \(names)")
        }
        var ids: [String] = []
        while try scanner.next() != nil { ids.append(WarehouseLoader.fieldText(scanner.rawField(index))) }
        ids.sort { $0.utf8.lexicographicallyPrecedes($1.utf8) }
        lock.withLock { read[key] = ids }
        return ids
    }
}

import AnalyticsAPI
import CSVMerge
import Foundation
import Logging
import NIOCore
import PostgresNIO

extension WarehouseLoader {
    /// Replaces partition `partition`'s rows in its export's table with the file's, in one transaction: the table is
    /// created or given the file's new columns, the partition's rows deleted, the file's rows copied in
    /// (`COPY … FROM STDIN`, streamed as it is read), and the partition recorded with its SHA-256 and `runID`. A
    /// reader sees the old rows or the new, never both, none or part. A partition already recorded with the same
    /// SHA-256 is skipped without writing anything.
    ///
    /// - Parameter progress: called after each piece sent to the server with the rows sent so far.
    /// - Throws: `WarehouseError` when the file cannot be read, breaks the pinned columns, holds a value that does
    ///   not fit its column (naming partition, column, line and value), or the database fails. The table then keeps
    ///   the partition's previous rows.
    public func load(
        _ partition: LoadablePartition, runID: String,
        progress: (@Sendable (Int) async throws -> Void)? = nil
    ) async throws -> PartitionLoadOutcome {
        let table = WarehouseNames.table(partition.exportName)
        if try await recordedDigest(partition) == partition.sha256 { return .skipped }
        let file = try PartitionFile(path: partition.path, compressed: partition.compressed)
        var finished = false
        defer { if !finished { file.abandon() } }
        let scanner: CSVScanner
        var header: [String] = []
        do {
            scanner = try CSVScanner(path: file.scannerPath)
            if try scanner.next() != nil {
                header = (0..<(scanner.current?.fieldCount ?? 0)).map { Self.fieldText(scanner.rawField($0)) }
                scanner.expectedFieldCount = header.count
            }
        } catch let error as CSVMergeError {
            throw WarehouseError(.file, "partition \(partition.label): \(error.description)")
        }
        let reader = PartitionRows(scanner: scanner, file: file)
        do {
            let outcome = try await client.transaction(logger: logger) { [self, header] connection in
                try await replace(
                    partition, table: table, header: header, rows: reader, runID: runID,
                    connection: connection, progress: progress)
            }
            finished = reader.finished
            return outcome
        } catch {
            finished = reader.finished
            if let failure = error as? WarehouseError { throw failure }
            if error is CancellationError { throw error }
            throw WarehouseError.database(
                "partition \(partition.label) was not loaded into \(settings.schema).\(table) (the table keeps its "
                    + "previous rows): \(Self.describe(error))")
        }
    }

    /// The SHA-256 recorded for the partition, if any.
    private func recordedDigest(_ partition: LoadablePartition) async throws -> String? {
        do {
            var digest: String?
            for try await sha in try await client.query(
                """
                SELECT sha256 FROM \(unescaped: schema).\(unescaped: WarehouseNames.partitions)
                WHERE export = \(partition.exportName) AND partition = \(partition.firstDayText)::date
                """, logger: logger
            ).decode(String.self) {
                digest = sha
            }
            return digest
        } catch {
            throw WarehouseError.database(
                "cannot read the load bookkeeping at \(settings.redacted): \(Self.describe(error))")
        }
    }

    private func replace(
        _ partition: LoadablePartition, table: String, header: [String], rows: PartitionRows, runID: String,
        connection: PostgresConnection, progress: (@Sendable (Int) async throws -> Void)?
    ) async throws -> PartitionLoadOutcome {
        let schemaName = settings.schema
        let qualified = "\(schema).\(WarehouseNames.quoted(table))"
        // Loads of one table, one at a time (a second loader of the same partition waits, then finds it recorded).
        try await connection.query(
            "SELECT pg_advisory_xact_lock(1702392945, hashtext(\(schemaName + "." + table)))", logger: logger)
        for try await sha in try await connection.query(
            """
            SELECT sha256 FROM \(unescaped: schema).\(unescaped: WarehouseNames.partitions)
            WHERE export = \(partition.exportName) AND partition = \(partition.firstDayText)::date
            """, logger: logger
        ).decode(String.self) where sha == partition.sha256 {
            return .skipped
        }
        let existing = try await columns(of: table, connection: connection)
        let mapping = try ColumnMapping(
            header: header, catalog: ExportCatalog.descriptor(for: partition.exportType), existing: existing,
            pinned: partition.pinnedColumns, partition: partition.label)
        if existing == nil {
            let definitions =
                mapping.added.map { "\(WarehouseNames.quoted($0.name)) \($0.sqlType)" }
                + ["\(WarehouseNames.quoted(WarehouseNames.partitionColumn)) date NOT NULL"]
            try await connection.query(
                "CREATE TABLE \(unescaped: qualified) (\(unescaped: definitions.joined(separator: ", ")))",
                logger: logger)
            let index = WarehouseNames.quoted(String(table.utf8.prefix(50))! + "__partition")
            try await connection.query(
                "CREATE INDEX \(unescaped: index) ON \(unescaped: qualified) (\(unescaped: WarehouseNames.partitionColumn))",
                logger: logger)
        } else {
            for column in mapping.added {
                try await connection.query(
                    "ALTER TABLE \(unescaped: qualified) ADD COLUMN \(unescaped: WarehouseNames.quoted(column.name)) \(unescaped: column.sqlType)",
                    logger: logger)
            }
        }
        try await connection.query(
            "DELETE FROM \(unescaped: qualified) WHERE _partition = \(partition.firstDayText)::date", logger: logger)
        var count = 0
        if !mapping.columns.isEmpty {
            try await connection.query("SET LOCAL search_path TO \(unescaped: schema)", logger: logger)
            let logger = logger
            try await connection.copyFrom(
                table: table, columns: mapping.columns.map(\.name) + [WarehouseNames.partitionColumn],
                logger: logger
            ) { writer in
                count = try await rows.copy(
                    columns: mapping.columns, partition: partition, writer: writer, progress: progress)
            }
        } else {
            try rows.finish()
        }
        try await connection.query(
            """
            INSERT INTO \(unescaped: schema).\(unescaped: WarehouseNames.partitions)
                (export, partition, partition_key, table_name, rows, sha256, loaded_at, run_id)
            VALUES (\(partition.exportName), \(partition.firstDayText)::date, \(partition.key), \(table), \(count),
                    \(partition.sha256), clock_timestamp(), \(runID))
            ON CONFLICT (export, partition) DO UPDATE SET partition_key = excluded.partition_key,
                table_name = excluded.table_name, rows = excluded.rows, sha256 = excluded.sha256,
                loaded_at = excluded.loaded_at, run_id = excluded.run_id
            """, logger: logger)
        return .loaded(rows: count, addedColumns: mapping.added.map(\.name))
    }

    /// The table's columns and how values are written into each, or `nil` when it does not exist.
    private func columns(of table: String, connection: PostgresConnection) async throws -> [String: ColumnType]? {
        var result: [String: ColumnType]?
        for try await (name, type) in try await connection.query(
            """
            SELECT a.attname::text, format_type(a.atttypid, a.atttypmod)
            FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = \(settings.schema) AND c.relname = \(table) AND a.attnum > 0 AND NOT a.attisdropped
            """, logger: logger
        ).decode((String, String).self) {
            result = result ?? [:]
            result?[name] = TableColumn.type(ofSQL: type)
        }
        return result
    }

    /// A CSV field's text, unquoted (`""` made `"`), surrounding spaces of an unquoted one removed.
    public static func fieldText(_ raw: UnsafeRawBufferPointer) -> String {
        let text = String(decoding: raw, as: UTF8.self)
        guard text.count >= 2, text.hasPrefix("\""), text.hasSuffix("\"") else {
            return text.trimmingCharacters(in: .whitespaces)
        }
        return String(text.dropFirst().dropLast()).replacingOccurrences(of: "\"\"", with: "\"")
    }
}

import Foundation
import Logging
import PostgresNIO

/// Reads the load bookkeeping (`<schema>._exportpipe_partitions`) without creating or changing anything, for
/// `exportpipe status`: a schema that was never loaded into reads as no partitions.
public enum WarehouseBookkeeping {
    /// Every partition recorded as loaded, by export name.
    /// - Throws: `WarehouseError` (`.database`) when the database cannot be reached within `settings.connectTimeout`
    ///   or the query fails (the message holds no password).
    public static func recorded(
        _ settings: WarehouseSettings, logger: Logger = Logger(label: "exportpipe.load")
    ) async throws -> [String: [LoadedPartition]] {
        var configuration = settings.connection.clientConfiguration
        configuration.options.maximumConnections = 1
        configuration.options.connectTimeout = .seconds(Int64(max(1, settings.connectTimeout)))
        configuration.options.additionalStartupParameters = [("application_name", "exportpipe-status")]
        let errors = ConnectionErrorLog()
        let client = PostgresClient(configuration: configuration, backgroundLogger: errors.logger(forwardingTo: logger))
        let runTask = Task { await client.run() }
        defer { runTask.cancel() }
        do {
            let result = try await WarehouseLoader.withDeadline(settings.connectTimeout, failingOn: errors) {
                try await read(client, settings: settings, logger: logger)
            }
            runTask.cancel()
            await runTask.value
            return result
        } catch {
            runTask.cancel()
            await runTask.value
            var reason = WarehouseLoader.describe(error)
            if let connection = errors.lastError { reason += " (the last connection attempt: \(connection))" }
            throw WarehouseError.database("cannot read the load bookkeeping at \(settings.redacted): \(reason)")
        }
    }

    private static func read(_ client: PostgresClient, settings: WarehouseSettings, logger: Logger) async throws
        -> [String: [LoadedPartition]]
    {
        var exists = false
        for try await present in try await client.query(
            "SELECT to_regclass(\(WarehouseNames.quoted(settings.schema) + "." + WarehouseNames.partitions)) IS NOT NULL",
            logger: logger
        ).decode(Bool.self) {
            exists = present
        }
        guard exists else { return [:] }
        var result: [String: [LoadedPartition]] = [:]
        let rows = try await client.query(
            """
            SELECT export, partition_key, (partition - DATE '1970-01-01')::int8, rows, sha256,
                   extract(epoch FROM loaded_at)::float8, run_id
            FROM \(unescaped: WarehouseNames.quoted(settings.schema)).\(unescaped: WarehouseNames.partitions)
            ORDER BY export, partition
            """, logger: logger)
        for try await (export, key, day, count, sha, loadedAt, run) in rows.decode(
            (String, String, Int64, Int64, String, Double, String).self)
        {
            result[export, default: []].append(
                LoadedPartition(
                    key: key, firstDay: day, rows: Int(count), sha256: sha,
                    loadedAt: Date(timeIntervalSince1970: loadedAt), runID: run))
        }
        return result
    }
}

extension WarehouseLoader {
    /// Whether `export`'s table exists (a load's added columns are drift only for a table that did).
    public func tableExists(export: String) async -> Bool {
        let table = WarehouseNames.quoted(settings.schema) + "." + WarehouseNames.quoted(WarehouseNames.table(export))
        var exists = false
        do {
            for try await present in try await client.query(
                "SELECT to_regclass(\(table)) IS NOT NULL", logger: logger
            ).decode(Bool.self) {
                exists = present
            }
        } catch {
            return false
        }
        return exists
    }
}

import ExportCoordination
import Foundation
import Logging
import PostgresNIO

/// Loads a dataset's partitions into PostgreSQL (docs/warehouse.md): one table per export, each partition replaced
/// in one transaction (delete its rows, `COPY` the file's, record it in `_exportpipe_partitions`), skipped when the
/// same SHA-256 is recorded already.
///
/// The loader connects and prepares its schema (a version table of its own) when it is made; `close()` ends it.
public final class WarehouseLoader: Sendable {
    let client: PostgresClient
    let settings: WarehouseSettings
    let logger: Logger
    private let runTask: Task<Void, Never>

    /// The newest schema version of the bookkeeping this build knows.
    public static var schemaVersion: Int { migration(schema: "").steps.count }

    /// The schema, quoted, for statements.
    var schema: String { WarehouseNames.quoted(settings.schema) }

    /// Connects and creates or migrates the bookkeeping.
    /// - Parameter maximumConnections: partitions of different exports load in parallel up to this many.
    /// - Throws: `WarehouseError` (`.database`) when the database cannot be reached or prepared within
    ///   `settings.connectTimeout`.
    public init(
        settings: WarehouseSettings, maximumConnections: Int = 2,
        logger: Logger = Logger(label: "exportpipe.load")
    ) async throws {
        var configuration = settings.connection.clientConfiguration
        configuration.options.maximumConnections = max(1, maximumConnections)
        configuration.options.connectTimeout = .seconds(Int64(max(1, settings.connectTimeout)))
        // `exportpipe-load <schema>`: who a connection is in pg_stat_activity (PostgreSQL keeps 63 bytes).
        configuration.options.additionalStartupParameters = [
            ("application_name", Self.applicationName(schema: settings.schema))
        ]
        let connectionErrors = ConnectionErrorLog()
        let client = PostgresClient(
            configuration: configuration, backgroundLogger: connectionErrors.logger(forwardingTo: logger))
        self.client = client
        self.settings = settings
        self.logger = logger
        runTask = Task { await client.run() }
        do {
            try await Self.withDeadline(settings.connectTimeout, failingOn: connectionErrors) { [self] in
                try await migrate()
            }
        } catch {
            await close()
            var reason = Self.describe(error)
            if let connection = connectionErrors.lastError { reason += " (the last connection attempt: \(connection))" }
            throw WarehouseError.database("cannot prepare schema \(settings.schema) at \(settings.redacted): \(reason)")
        }
    }

    /// The `application_name` of the loader's connections into `schema`.
    public static func applicationName(schema: String) -> String {
        String(("exportpipe-load " + schema).utf8.prefix(63))!
    }

    /// Ends the connections.
    public func close() async {
        runTask.cancel()
        await runTask.value
    }

    /// The bookkeeping's versions: 1 made `_exportpipe_partitions`.
    static func migration(schema schemaName: String) -> PostgresSchemaMigration {
        let partitions = "\(WarehouseNames.quoted(schemaName)).\(WarehouseNames.partitions)"
        return PostgresSchemaMigration(
            schema: schemaName, versionTable: WarehouseNames.version, lockKey: 1_702_392_944,
            steps: [
                { connection, logger in
                    try await connection.query(
                        """
                        CREATE TABLE \(unescaped: partitions) (
                            export text NOT NULL,
                            partition date NOT NULL,
                            partition_key text NOT NULL,
                            table_name text NOT NULL,
                            rows bigint NOT NULL,
                            sha256 text NOT NULL,
                            loaded_at timestamptz NOT NULL,
                            run_id text NOT NULL,
                            PRIMARY KEY (export, partition)
                        )
                        """, logger: logger)
                }
            ])
    }

    private func migrate() async throws {
        do {
            try await Self.migration(schema: settings.schema).run(on: client, logger: logger)
        } catch let newer as PostgresSchemaMigration.NewerThanThisBuild {
            throw WarehouseError.database(
                "the load bookkeeping in schema \(settings.schema) is at version \(newer.current), newer than this "
                    + "exportpipe knows (\(newer.latest)): upgrade exportpipe on this machine")
        }
    }

    /// The partitions of `export` recorded as loaded, by first day.
    public func loadedPartitions(export: String) async throws -> [LoadedPartition] {
        do {
            var result: [LoadedPartition] = []
            let rows = try await client.query(
                """
                SELECT partition_key, (partition - DATE '1970-01-01')::int8, rows, sha256,
                       extract(epoch FROM loaded_at)::float8, run_id
                FROM \(unescaped: schema).\(unescaped: WarehouseNames.partitions)
                WHERE export = \(export) ORDER BY partition
                """, logger: logger)
            for try await (key, day, rows, sha, loadedAt, run) in rows.decode(
                (String, Int64, Int64, String, Double, String).self)
            {
                result.append(
                    LoadedPartition(
                        key: key, firstDay: day, rows: Int(rows), sha256: sha,
                        loadedAt: Date(timeIntervalSince1970: loadedAt), runID: run))
            }
            return result
        } catch {
            throw WarehouseError.database("cannot read the load bookkeeping: \(Self.describe(error))")
        }
    }

    /// An error's text without its query or binds.
    static func describe(_ error: any Error) -> String {
        if let error = error as? PostgresTransactionError {
            let inner = error.beginError ?? error.closureError ?? error.commitError
            return inner.map(describe) ?? "the transaction failed"
        }
        if let error = error as? PSQLError {
            var text = "\(error.code)"
            if let message = error.serverInfo?[.message] { text = message }
            if let detail = error.serverInfo?[.detail] { text += " (\(detail))" }
            if let context = error.serverInfo?[.locationContext] { text += " [\(context)]" }
            if let underlying = error.underlying { text += " (\(underlying))" }
            return text
        }
        if let error = error as? WarehouseError { return error.message }
        return "\(error)"
    }

    static func withDeadline<T: Sendable>(
        _ seconds: TimeInterval, failingOn connectionErrors: ConnectionErrorLog? = nil,
        _ body: @escaping @Sendable () async throws -> T
    ) async throws -> T {
        try await withThrowingTaskGroup(of: T.self) { group in
            group.addTask { try await body() }
            group.addTask {
                try await Task.sleep(nanoseconds: UInt64(seconds * 1e9))
                throw WarehouseError.database("the database did not answer within \(Int(seconds)) s")
            }
            if let connectionErrors {
                group.addTask {
                    guard let why = await connectionErrors.untilPermanentFailure() else { throw CancellationError() }
                    throw WarehouseError.database("no connection can succeed: \(why)")
                }
            }
            defer { group.cancelAll() }
            return try await group.next()!
        }
    }
}

/// A partition recorded in `_exportpipe_partitions`.
public struct LoadedPartition: Sendable, Hashable {
    public var key: String
    public var firstDay: Int64
    public var rows: Int
    public var sha256: String
    public var loadedAt: Date
    public var runID: String
}

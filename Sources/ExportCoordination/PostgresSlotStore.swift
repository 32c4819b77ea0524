import AnalyticsAPI
import Foundation
import Logging
import PostgresNIO

/// Tables in PostgreSQL, for runners on several machines.
///
/// Each scope is one row of `<schema>.slot_table`; an input locks that row (`SELECT … FOR UPDATE`), applies the
/// `SlotTable` rules, writes the row back and, when admission may have changed, `NOTIFY`s the scope's waiters, who
/// `LISTEN` on one connection per process. The row lock is the one place where the company's requests are put in
/// order (FIFO needs one); a lease's user slot and company slot are one entry of that row, so they are taken and
/// freed together or not at all. Time is the server's (`clock_timestamp()`), so machines whose clocks disagree
/// still agree on when a lease expires.
final class PostgresSlotStore: SlotTableStore {
    private let client: PostgresClient
    private let schema: String
    private let channel: String
    private let clock: (@Sendable () -> Date)?
    private let logger: Logger
    private let signal = ChangeSignal()
    private let tasks: [Task<Void, Never>]
    private let operationTimeout: TimeInterval

    private var table: String { "\"\(schema)\".slot_table" }

    /// The newest schema version this build knows.

    /// Connects, then creates or migrates the schema.
    /// - Throws: `CoordinationError.store` when the database cannot be reached or migrated.
    init(settings: PostgresSettings, clock: (@Sendable () -> Date)?, logger: Logger) async throws {
        var configuration = PostgresClient.Configuration(
            host: settings.host, port: settings.port, username: settings.username, password: settings.password,
            database: settings.database, tls: settings.tls)
        configuration.options.maximumConnections = 4
        let client = PostgresClient(configuration: configuration, backgroundLogger: logger)
        self.client = client
        self.schema = settings.schema
        self.channel = "\(settings.schema)_wake"
        self.clock = clock
        self.logger = logger
        self.operationTimeout = settings.operationTimeout
        let signal = signal
        let channel = channel
        let run = Task { await client.run() }
        let listen = Task {
            while !Task.isCancelled {
                do {
                    try await client.withConnection { connection in
                        try await connection.listen(on: channel) { notifications in
                            for try await notification in notifications {
                                let parts = notification.payload.split(separator: " ")
                                guard parts.count == 2, let version = Int(parts[1]) else { continue }
                                await signal.publish(String(parts[0]), version: version)
                            }
                        }
                    }
                } catch {
                    try? await Task.sleep(nanoseconds: 500_000_000)
                }
            }
        }
        tasks = [listen, run]
        do {
            // Several runners starting together each prepare the schema, one at a time (an advisory lock). A
            // migration that does not get through in half the timeout is given up and tried again: seen in 2 of
            // ~10 starts of three runners together on a loaded two-core machine, all three stalled until they gave
            // up, then a restart went straight through (cause not found; see docs/coordination.md).
            var attempt = 0
            while true {
                attempt += 1
                do {
                    try await withDeadline(max(1, operationTimeout / 2)) { try await self.migrate() }
                    break
                } catch {
                    // A schema newer than this build is refused at once; anything else is tried again.
                    let refused = (error as? CoordinationError)?.message.contains("newer than this exportpipe") == true
                    if attempt >= 3 || refused { throw error }
                    logger.warning("preparing the coordination schema: \(Self.describe(error)); trying again")
                }
            }
        } catch {
            await close()
            throw CoordinationError.store(
                "cannot prepare the coordination schema at \(settings.redacted): \(Self.describe(error))")
        }
    }

    /// The coordination schema's versions: 1 made the slot table.
    private var migration: PostgresSchemaMigration {
        let table = table
        return PostgresSchemaMigration(
            schema: schema, versionTable: "schema_version", lockKey: 1_702_392_943,
            steps: [
                { connection, logger in
                    try await connection.query(
                        """
                        CREATE TABLE \(unescaped: table) (
                            scope text PRIMARY KEY,
                            version bigint NOT NULL,
                            state text NOT NULL,
                            updated_at timestamptz NOT NULL DEFAULT now()
                        )
                        """, logger: logger)
                }
            ])
    }

    private func migrate() async throws {
        do {
            try await migration.run(on: client, logger: logger)
        } catch let newer as PostgresSchemaMigration.NewerThanThisBuild {
            throw CoordinationError.store(
                "the coordination schema is at version \(newer.current), newer than this exportpipe knows "
                    + "(\(newer.latest)): upgrade exportpipe on this machine")
        }
    }

    func transact<Result: Sendable>(
        _ scope: SlotScope, _ body: @escaping @Sendable (inout SlotTable, Date) throws -> Result
    ) async throws -> (Result, version: Int) {
        let table = table
        let channel = channel
        let clock = clock
        let logger = logger
        let empty = String(decoding: try JSONEncoder().encode(SlotTable(scope: scope)), as: UTF8.self)
        do {
            return try await withDeadline(operationTimeout) { [client] in
                try await Self.transaction(client, scope, table, channel, clock, logger, empty, body)
            }
        } catch let error as PostgresTransactionError {
            // The table's own refusals (a lost lease) and cancellation pass through the rollback unchanged.
            if let closureError = error.closureError {
                if let refusal = closureError as? CoordinationError { throw refusal }
                if closureError is CancellationError { throw CancellationError() }
            }
            throw CoordinationError.store("the coordination database failed: \(Self.describe(error))")
        } catch let error as CoordinationError {
            throw error
        } catch is CancellationError {
            throw CancellationError()
        } catch {
            throw CoordinationError.store("the coordination database failed: \(Self.describe(error))")
        }
    }

    /// One input on one scope: lock its row, apply, write back, notify.
    private static func transaction<Result: Sendable>(
        _ client: PostgresClient, _ scope: SlotScope, _ table: String, _ channel: String,
        _ clock: (@Sendable () -> Date)?, _ logger: Logger, _ empty: String,
        _ body: @escaping @Sendable (inout SlotTable, Date) throws -> Result
    ) async throws -> (Result, version: Int) {
        try await client.withTransaction(logger: logger) { connection -> (Result, version: Int) in
            try await connection.query(
                """
                INSERT INTO \(unescaped: table) (scope, version, state) VALUES (\(scope.key), 0, \(empty))
                ON CONFLICT (scope) DO NOTHING
                """, logger: logger)
            var stored: (String, Double)?
            for try await row in try await connection.query(
                """
                SELECT state, extract(epoch FROM clock_timestamp())::float8 FROM \(unescaped: table)
                WHERE scope = \(scope.key) FOR UPDATE
                """, logger: logger
            ).decode((String, Double).self) {
                stored = row
            }
            guard let (state, serverNow) = stored else {
                throw CoordinationError.store("the slot table of \(scope) vanished during a transaction")
            }
            var slots = try JSONDecoder().decode(SlotTable.self, from: Data(state.utf8))
            let before = slots
            let result = try body(&slots, clock?() ?? Date(timeIntervalSince1970: serverNow))
            if slots != before {
                let encoded = String(decoding: try JSONEncoder().encode(slots), as: UTF8.self)
                try await connection.query(
                    """
                    UPDATE \(unescaped: table) SET version = \(slots.version), state = \(encoded), updated_at = now()
                    WHERE scope = \(scope.key)
                    """, logger: logger)
            }
            if slots.version != before.version {
                // Delivered on commit, to every process listening.
                try await connection.query(
                    "SELECT pg_notify(\(channel), \(scope.storeName + " " + String(slots.version)))",
                    logger: logger)
            }
            return (result, slots.version)
        }
    }

    func waitForChange(_ scope: SlotScope, from version: Int, timeout: TimeInterval) async throws {
        try await signal.wait(scope.storeName, from: version, timeout: timeout)
    }

    /// An error's text without its query or binds: a bind holds the slot table, whose status URLs carry tokens.
    static func describe(_ error: any Error) -> String {
        if let error = error as? PostgresTransactionError {
            let inner = error.beginError ?? error.closureError ?? error.commitError
            return inner.map(describe) ?? "the transaction failed"
        }
        if let error = error as? PostgresConnectionClosed { return error.description }
        if let error = error as? PSQLError {
            var text = "\(error.code)"
            if let message = error.serverInfo?[.message] { text += ": \(message)" }
            if let underlying = error.underlying { text += " (\(underlying))" }
            return text
        }
        if let error = error as? CoordinationError { return error.message }
        return "\(type(of: error))"
    }

    /// Drops the schema and everything in it (tests only: each test has a schema of its own).
    func dropSchema() async throws {
        try await client.query("DROP SCHEMA IF EXISTS \(unescaped: "\"\(schema)\"") CASCADE", logger: logger)
    }

    func close() async {
        for task in tasks { task.cancel() }
        for task in tasks { await task.value }
    }
}

/// Where the PostgreSQL coordinator connects: parsed from `postgres://user@host:5432/db`.
public struct PostgresSettings: Sendable {
    public var host: String
    public var port: Int
    public var username: String
    var password: String?
    public var database: String?
    /// The schema the tool creates and migrates (tests use one of their own).
    public var schema: String
    /// How long one transaction (connecting included) may take before it fails with `CoordinationError.store`:
    /// the driver must learn that the database is unreachable, not wait for it forever.
    public var operationTimeout: TimeInterval = 30
    var tls: PostgresClient.Configuration.TLS

    /// Reads `url` (`postgres://user@host[:port]/database[?sslmode=disable|prefer|require&schema=NAME]`).
    /// The password comes from the URL's user info (a URL from the environment, `postgres://user:secret@host/db`;
    /// one written in a spec or on the command line is refused before it gets here), else `password` (e.g. a
    /// `password_env` the caller read), else `PGPASSWORD`.
    /// - Throws: `CoordinationError.configuration` for a URL that is not of that form.
    public init(
        url: String, password: String? = nil,
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws {
        guard let components = URLComponents(string: url), ["postgres", "postgresql"].contains(components.scheme),
            let host = components.host, !host.isEmpty
        else {
            throw CoordinationError.configuration(
                "the coordinator \(Self.redact(url)) is not a URL of the form postgres://user@host:5432/database")
        }
        let query = Dictionary(
            (components.queryItems ?? []).map { ($0.name, $0.value ?? "") }, uniquingKeysWith: { $1 })
        self.host = host
        self.port = components.port ?? 5432
        self.username = components.user ?? environment["PGUSER"] ?? environment["USER"] ?? "postgres"
        self.password = components.password ?? password ?? environment["PGPASSWORD"]
        let path = components.path.hasPrefix("/") ? String(components.path.dropFirst()) : components.path
        self.database = path.isEmpty ? nil : path
        self.schema = query["schema"] ?? "exportpipe_coordination"
        guard schema.range(of: "^[a-z_][a-z0-9_]{0,50}$", options: .regularExpression) != nil else {
            throw CoordinationError.configuration(
                "the coordinator's schema \(schema) must be lowercase letters, digits and underscores")
        }
        switch query["sslmode"] ?? "prefer" {
        case "disable": tls = .disable
        case "prefer", "allow": tls = .prefer(.makeClientConfiguration())
        case "require", "verify-ca", "verify-full": tls = .require(.makeClientConfiguration())
        case let other:
            throw CoordinationError.configuration(
                "the coordinator's sslmode \(other) is not one of disable, prefer, require")
        }
    }

    /// The URL as it may be printed: no password, ever (also what `description` and a debugger's mirror show).
    public var redacted: String {
        "postgres://\(username)@\(host):\(port)/\(database ?? "")?schema=\(schema)"
    }

    private static func redact(_ url: String) -> String { Redaction.redact(url) }
}

extension TableCoordinator {
    /// Limits shared by every runner whose coordinator is this PostgreSQL database (several machines).
    /// `clock` replaces the server's clock (tests only).
    /// - Throws: `CoordinationError.store` when the database cannot be reached or its schema migrated.
    public static func postgres(
        _ settings: PostgresSettings, timing: CoordinationTiming = .standard,
        clock: (@Sendable () -> Date)? = nil, logger: Logger = Logger(label: "exportpipe.coordination")
    ) async throws -> TableCoordinator {
        let store = try await PostgresSlotStore(settings: settings, clock: clock, logger: logger)
        return TableCoordinator(store: store, timing: timing, storeDescription: settings.redacted)
    }
}

/// Runs `body`, failing with `CoordinationError.store` when it takes longer than `seconds`.
func withDeadline<T: Sendable>(
    _ seconds: TimeInterval, _ body: @escaping @Sendable () async throws -> T
) async throws -> T {
    try await withThrowingTaskGroup(of: T.self) { group in
        group.addTask { try await body() }
        group.addTask {
            try await Task.sleep(nanoseconds: UInt64(seconds * 1e9))
            throw CoordinationError.store("the coordination database did not answer within \(Int(seconds)) s")
        }
        defer { group.cancelAll() }
        return try await group.next()!
    }
}

extension PostgresSettings: CustomStringConvertible, CustomReflectable {
    public var description: String { redacted }
    public var customMirror: Mirror { Mirror(self, children: ["url": redacted]) }
}

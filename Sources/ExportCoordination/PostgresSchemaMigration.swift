import Foundation
import Logging
import PostgresNIO

/// A schema exportpipe creates and migrates itself in someone else's PostgreSQL database — the coordination tables
/// (`PostgresSlotStore`) and the warehouse's load bookkeeping (`WarehouseLoader`): one migrator of a schema at a
/// time across machines (a transaction-scoped advisory lock), a version table of its own, each step applied once in
/// the transaction that records it, and a database newer than this build refused instead of written to.
public struct PostgresSchemaMigration: Sendable {
    /// One step: brings the schema from version `index` to `index + 1`, on the migrating transaction's connection.
    public typealias Step = @Sendable (PostgresConnection, Logger) async throws -> Void

    /// The schema's name, unquoted.
    public var schema: String
    /// The version table's name in the schema, unquoted.
    public var versionTable: String
    /// The advisory lock's first key, fixed per kind of schema (the second is the schema name's hash, so migrators
    /// of other schemas — tests — never wait on each other).
    public var lockKey: Int32
    /// The steps in order; the newest version this build knows is their count.
    public var steps: [Step]

    /// The database's schema is at `current`, newer than this build's `latest`.
    public struct NewerThanThisBuild: Error, Sendable {
        public var current: Int
        public var latest: Int
    }

    public init(schema: String, versionTable: String, lockKey: Int32, steps: [Step]) {
        self.schema = schema
        self.versionTable = versionTable
        self.lockKey = lockKey
        self.steps = steps
    }

    /// `name` as a quoted SQL identifier.
    public static func quoted(_ name: String) -> String {
        "\"" + name.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    /// Creates the schema if it is missing (asking first: `CREATE SCHEMA IF NOT EXISTS` needs the CREATE right on
    /// the database even when the schema exists) and applies the steps not recorded yet, in one transaction.
    /// - Returns: the version the schema was at before.
    /// - Throws: `NewerThanThisBuild`, or the database's error.
    @discardableResult
    public func run(on client: PostgresClient, logger: Logger) async throws -> Int {
        let schema = schema
        let quotedSchema = Self.quoted(schema)
        let versions = "\(quotedSchema).\(Self.quoted(versionTable))"
        let lockKey = lockKey
        let steps = steps
        // postgres-nio's own transaction: a migration is a few short statements at start-up, and the coordinator's
        // migration ran this way in every CI run (see `transaction` below for why the loader's loads do not).
        do {
            return try await client.withTransaction(logger: logger) { connection in
                try await connection.query(
                    "SELECT pg_advisory_xact_lock(\(lockKey), hashtext(\(schema)))", logger: logger)
                var exists = false
                for try await _ in try await connection.query(
                    "SELECT 1 FROM pg_namespace WHERE nspname = \(schema)", logger: logger)
                {
                    exists = true
                }
                if !exists { try await connection.query("CREATE SCHEMA \(unescaped: quotedSchema)", logger: logger) }
                try await connection.query(
                    "CREATE TABLE IF NOT EXISTS \(unescaped: versions) (version integer NOT NULL)", logger: logger)
                var current = 0
                for try await version in try await connection.query(
                    "SELECT max(version) FROM \(unescaped: versions)", logger: logger
                ).decode(Int?.self) {
                    current = version ?? 0
                }
                guard current <= steps.count else {
                    throw NewerThanThisBuild(current: current, latest: steps.count)
                }
                for version in current..<steps.count {
                    try await steps[version](connection, logger)
                    try await connection.query(
                        "INSERT INTO \(unescaped: versions) (version) VALUES (\(version + 1))", logger: logger)
                }
                return current
            }
        } catch let error as PostgresTransactionError {
            if let newer = error.closureError as? NewerThanThisBuild { throw newer }
            throw error
        }
    }
}

extension PostgresClient {
    /// `BEGIN`, `body`, `COMMIT` on one pooled connection (`ROLLBACK` when `body` throws), like postgres-nio's
    /// `withTransaction`, but never waiting on a connection that has closed.
    ///
    /// With postgres-nio 1.33.2 a query written to a closed connection is dropped with its promise, so its answer
    /// never comes: a load whose backend the server ended in the middle of a COPY (a restart,
    /// `pg_terminate_backend`) failed its COPY at once, then waited forever on the `ROLLBACK`. The server rolls back
    /// a transaction whose connection ends, so a closed connection is sent neither `ROLLBACK` nor `COMMIT`; and the
    /// whole transaction races the connection's close, so a request the closed connection dropped anywhere else (a
    /// COPY write waiting for the socket to drain, a query written in the instant the connection closed) ends the
    /// transaction with `PostgresConnectionClosed` instead of a hang. The abandoned request's task then stays
    /// suspended (a few hundred bytes) until the process ends. A cancelled caller is not answered early: its
    /// connection must not go back to the pool inside the transaction.
    ///
    /// - Throws: `body`'s error as it is (a failed `ROLLBACK` is not thrown: the transaction ends with its
    ///   connection); `BEGIN`'s or `COMMIT`'s error; `PostgresConnectionClosed` when the connection closed first.
    public func transaction<Result: Sendable>(
        logger: Logger, _ body: @escaping @Sendable (PostgresConnection) async throws -> Result
    ) async throws -> Result {
        try await withConnection { connection in
            try await connection.untilClosed {
                try await connection.query("BEGIN", logger: logger)
                let result: Result
                do {
                    result = try await body(connection)
                } catch {
                    // A failed ROLLBACK is not worth more than `body`'s error: the transaction ends with the
                    // connection either way (and the pool drops a connection that failed).
                    if !connection.isClosed { _ = try? await connection.query("ROLLBACK", logger: logger) }
                    throw error
                }
                guard !connection.isClosed else { throw PostgresConnectionClosed() }
                try await connection.query("COMMIT", logger: logger)
                return result
            }
        }
    }
}

extension PostgresConnection {
    /// `operation`'s result, or `PostgresConnectionClosed` as soon as the connection closes before it ends
    /// (`operation` is then left to end, or not, on its own: the closed connection goes back to no one).
    func untilClosed<T: Sendable>(_ operation: @escaping @Sendable () async throws -> T) async throws -> T {
        let first = FirstAnswer<T>()
        let task = Task {
            do {
                await first.answer(.success(try await operation()))
            } catch {
                await first.answer(.failure(error))
            }
        }
        closeFuture.whenComplete { _ in
            Task { await first.answer(.failure(PostgresConnectionClosed())) }
        }
        // A cancelled caller cancels `operation` and still waits for it: returning at once would hand the pool back
        // a connection still inside its transaction (and its advisory locks), which the next attempt then waits on.
        return try await withTaskCancellationHandler {
            try await first.value()
        } onCancel: {
            task.cancel()
        }
    }
}

/// The first of several answers, for one waiter.
private actor FirstAnswer<T: Sendable> {
    private var result: Result<T, any Error>?
    private var waiter: CheckedContinuation<T, any Error>?

    func answer(_ answer: Result<T, any Error>) {
        guard result == nil else { return }
        result = answer
        waiter?.resume(with: answer)
        waiter = nil
    }

    func value() async throws -> T {
        if let result { return try result.get() }
        return try await withCheckedThrowingContinuation { waiter = $0 }
    }
}

/// The connection closed before its transaction could commit; the server rolled the transaction back.
public struct PostgresConnectionClosed: Error, CustomStringConvertible, Sendable {
    public init() {}
    public var description: String {
        "the connection closed before the transaction committed (the server rolled it back)"
    }
}

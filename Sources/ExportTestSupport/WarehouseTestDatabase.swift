import ExportLoading
import Foundation
import Logging
import PostgresNIO

/// The PostgreSQL the tests load into (`EXPORTPIPE_TEST_POSTGRES_URL`, e.g. `scripts/postgres-test-server url`), and
/// one test's schema on it: a unique name, dropped by `drop`, and a connection of its own for looking at the tables.
/// Under CI (`CI` set) a missing URL fails the tests that need it; locally they are skipped with a note
/// (`isRequired`, `skipNote`).
public final class WarehouseTestDatabase: Sendable {
    public static var url: String? {
        ProcessInfo.processInfo.environment["EXPORTPIPE_TEST_POSTGRES_URL"].flatMap { $0.isEmpty ? nil : $0 }
    }
    public static var isCI: Bool { ProcessInfo.processInfo.environment["CI"].map { !$0.isEmpty } ?? false }
    /// Whether the tests that need the database run: when its URL is set, and always under CI.
    public static var isRequired: Bool { url != nil || isCI }
    /// The message of a test that needs the URL under CI and does not have it.
    public static let missingUnderCI =
        "CI is set but EXPORTPIPE_TEST_POSTGRES_URL is not: .ci/run must start scripts/postgres-test-server"

    /// Why tests are skipped without the URL: `untested` says what is not tested (e.g. `the loader`).
    public static func skipNote(_ untested: String) -> String {
        "EXPORTPIPE_TEST_POSTGRES_URL is not set: \(untested) is not tested. Run scripts/postgres-test-server start, "
            + "then EXPORTPIPE_TEST_POSTGRES_URL=… swift test (README)"
    }

    /// Lowercase hex from a new UUID, `length` characters: a name no other test (or engineer) uses.
    public static func uniqueTag(_ length: Int = 12) -> String {
        String(UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "").prefix(length))
    }

    public let url: String
    /// `schemaPrefix` + the tag.
    public let schema: String
    /// The loader's settings for `schema` on `url`.
    public let settings: WarehouseSettings
    /// The test's own connection (pool) to the database.
    public let admin: PostgresClient
    private let adminTask: Task<Void, Never>

    /// Names a schema (nothing is created: the loader creates it) and opens the test's connection.
    /// - Throws: `WarehouseError.configuration` when `EXPORTPIPE_TEST_POSTGRES_URL` is not set (`missingUnderCI`)
    ///   or is not a URL the loader accepts.
    public init(schemaPrefix: String, tag: String = WarehouseTestDatabase.uniqueTag()) throws {
        guard let url = Self.url else { throw WarehouseError(.configuration, Self.missingUnderCI) }
        self.url = url
        schema = schemaPrefix + tag
        settings = try WarehouseSettings(url: url, schema: schema)
        let admin = PostgresClient(
            configuration: settings.connection.clientConfiguration, backgroundLogger: Logger(label: "test.admin"))
        self.admin = admin
        adminTask = Task { await admin.run() }
    }

    /// Drops the schema (and everything in it) and closes the test's connection.
    public func drop() async {
        _ = try? await admin.query("DROP SCHEMA IF EXISTS \(unescaped: "\"\(schema)\"") CASCADE")
        adminTask.cancel()
        await adminTask.value
    }

    /// `export`'s table, schema-qualified, as SQL.
    public func table(_ export: String) -> String { "\"\(schema)\".\(WarehouseNames.table(export))" }

    /// The first column of a query's rows, as text.
    public func strings(_ sql: String) async throws -> [String?] {
        var values: [String?] = []
        for try await row in try await admin.query(PostgresQuery(unsafeSQL: sql)).decode(String?.self) {
            values.append(row)
        }
        return values
    }

    /// The first two columns of a query's rows, as text.
    public func pairs(_ sql: String) async throws -> [(String?, String?)] {
        var values: [(String?, String?)] = []
        for try await row in try await admin.query(PostgresQuery(unsafeSQL: sql)).decode((String?, String?).self) {
            values.append(row)
        }
        return values
    }

    /// A query's one integer (its last row's first column).
    public func integer(_ sql: String) async throws -> Int64? {
        var value: Int64?
        for try await row in try await admin.query(PostgresQuery(unsafeSQL: sql)).decode(Int64?.self) { value = row }
        return value
    }

    public func execute(_ sql: String) async throws {
        _ = try await admin.query(PostgresQuery(unsafeSQL: sql))
    }

    /// Rows inserted into and deleted from `export`'s table as the statistics count them (-1 when the table has
    /// none). Each query is a transaction of its own, so no cached statistics; a loader's backend adds its counts
    /// when it ends at the latest (`loaderConnectionsClosed`).
    public func counters(_ export: String) async throws -> (inserted: Int64, deleted: Int64) {
        let pairs = try await pairs(
            "SELECT n_tup_ins::text, n_tup_del::text FROM pg_stat_user_tables WHERE schemaname = '\(schema)' "
                + "AND relname = '\(WarehouseNames.table(export))'")
        guard let row = pairs.first else { return (-1, -1) }
        return (row.0.flatMap { Int64($0) } ?? -1, row.1.flatMap { Int64($0) } ?? -1)
    }

    /// Waits until no loader's connection into this schema is open. A backend flushes its statistics as it ends,
    /// before it leaves `pg_stat_activity`, so from then on `counters` include its inserts and deletes.
    /// - Throws: `NeverHappened` after 120 s (a guard against a hang, not a timed assertion).
    public func loaderConnectionsClosed(fileID: String = #fileID, line: Int = #line) async throws {
        let sql =
            "SELECT count(*) FROM pg_stat_activity WHERE application_name = "
            + "'\(WarehouseLoader.applicationName(schema: schema))'"
        try await eventually("the loader's connections closed", fileID: fileID, line: line) {
            try await integer(sql) == 0
        }
    }
}

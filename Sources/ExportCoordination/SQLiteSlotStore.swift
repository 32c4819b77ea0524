import Foundation
import GRDB

#if canImport(Glibc)
    import Glibc
#endif

/// Tables in SQLite files, one per company, under the user's state home: every exportpipe process on the machine
/// shares them with no configuration.
///
/// Each input is one `BEGIN IMMEDIATE` transaction (SQLite's write lock orders the processes); the database is in
/// WAL mode, so a waiter's look at the table's version is a read that never blocks a writer. Waiters in other
/// processes learn of a change by polling that version, every 5 ms at first, backing off to 50 ms (measured in
/// docs/coordination.md): cheaper and simpler than a wake-up file, and far below a job's minutes.
final class SQLiteSlotStore: SlotTableStore {
    let directory: String
    private let clock: @Sendable () -> Date
    private let pools = PoolCache()

    /// - Throws: `CoordinationError.store` when the directory cannot be created.
    init(directory: String, clock: @escaping @Sendable () -> Date) throws {
        self.directory = directory
        self.clock = clock
        do {
            try FileManager.default.createDirectory(
                atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        } catch {
            throw CoordinationError.store("cannot create the coordination directory \(directory): \(error)")
        }
    }

    /// The file holding `scope`'s company.
    func path(for scope: SlotScope) -> String {
        (directory as NSString).appendingPathComponent("company-\(scope.companyDigest.prefix(16)).sqlite")
    }

    func transact<Result: Sendable>(
        _ scope: SlotScope, _ body: @escaping @Sendable (inout SlotTable, Date) throws -> Result
    ) async throws -> (Result, version: Int) {
        let pool = try await pool(for: scope)
        let clock = clock
        do {
            return try await pool.writeWithoutTransaction { db in
                var outcome: (Result, version: Int)?
                try db.inTransaction(.immediate) {
                    let stored = try Data.fetchOne(
                        db, sql: "SELECT state FROM slot_table WHERE scope = ?", arguments: [scope.key])
                    var table =
                        try stored.map { try JSONDecoder().decode(SlotTable.self, from: $0) } ?? SlotTable(scope: scope)
                    let before = table
                    let result = try body(&table, clock())
                    if table != before {
                        try db.execute(
                            sql: "INSERT OR REPLACE INTO slot_table (scope, version, state) VALUES (?, ?, ?)",
                            arguments: [scope.key, table.version, try JSONEncoder().encode(table)])
                    }
                    outcome = (result, table.version)
                    return .commit
                }
                return outcome!
            }
        } catch let error as CoordinationError {
            throw error
        } catch is CancellationError {
            throw CancellationError()
        } catch {
            throw CoordinationError.store("the coordination database \(path(for: scope)) failed: \(error)")
        }
    }

    func waitForChange(_ scope: SlotScope, from version: Int, timeout: TimeInterval) async throws {
        let pool = try await pool(for: scope)
        let start = Date()
        var interval: TimeInterval = 0.005
        while Date().timeIntervalSince(start) < timeout {
            try await Task.sleep(nanoseconds: UInt64(min(interval, timeout) * 1e9))
            let current = try await pool.read { db in
                try Int.fetchOne(db, sql: "SELECT version FROM slot_table WHERE scope = ?", arguments: [scope.key])
            }
            if (current ?? 0) != version { return }
            interval = min(interval * 2, 0.05)
        }
    }

    func close() async {
        await pools.closeAll()
    }

    private func pool(for scope: SlotScope) async throws -> DatabasePool {
        let path = path(for: scope)
        var attempt = 0
        while true {
            do {
                return try await pools.pool(at: path) { try Self.open(path) }
            } catch let busy as OpeningBusy {
                // Another process is switching the new file to WAL (which does not wait on the busy timeout).
                attempt += 1
                if attempt >= 200 { throw busy.error }
                try await Task.sleep(nanoseconds: 25_000_000)
            }
        }
    }

    /// SQLite was busy while the file was being opened: try again shortly.
    private struct OpeningBusy: Error {
        var error: CoordinationError
    }

    private static func open(_ path: String) throws -> DatabasePool {
        let manager = FileManager.default
        do {
            // Created 0600 before SQLite opens it (SQLite gives the -wal and -shm files the same mode), with
            // O_EXCL: `FileManager.createFile` replaces an existing file, so two processes opening a new store at
            // once could empty the file under the one that had already begun to use it.
            let descriptor = Glibc.open(path, O_WRONLY | O_CREAT | O_EXCL, 0o600)
            if descriptor >= 0 { Glibc.close(descriptor) }
            try manager.setAttributes([.posixPermissions: 0o600], ofItemAtPath: path)
            var configuration = Configuration()
            configuration.busyMode = .timeout(30)
            // A lease holds its job's status URL, whose token must not outlive the lease on disk: SQLite zeroes the
            // pages it frees instead of leaving the released lease's bytes in the file.
            configuration.prepareDatabase { db in try db.execute(sql: "PRAGMA secure_delete = ON") }
            let pool = try DatabasePool(path: path, configuration: configuration)
            try migrate(pool)
            return pool
        } catch let error as DatabaseError
            where error.resultCode == .SQLITE_BUSY || error.resultCode == .SQLITE_LOCKED
        {
            throw OpeningBusy(error: CoordinationError.store("cannot open the coordination database \(path): \(error)"))
        } catch {
            throw CoordinationError.store("cannot open the coordination database \(path): \(error)")
        }
    }

    /// The newest schema version this build knows (`PRAGMA user_version`).
    static let schemaVersion = 1

    /// Creates or migrates the schema in one IMMEDIATE transaction: several processes opening a new file at once
    /// (runners started together) take turns on SQLite's write lock, so only the first creates the table. (GRDB's
    /// `DatabaseMigrator` reads what was applied before it locks: two processes both created the table, and the
    /// second failed with "table slot_table already exists".)
    private static func migrate(_ pool: DatabasePool) throws {
        try pool.writeWithoutTransaction { db in
            try db.inTransaction(.immediate) {
                let current = try Int.fetchOne(db, sql: "PRAGMA user_version") ?? 0
                guard current <= schemaVersion else {
                    throw CoordinationError.store(
                        "the coordination database is at schema version \(current), newer than this exportpipe "
                            + "knows (\(schemaVersion)): upgrade exportpipe on this machine")
                }
                // Files made by GRDB's migrator (version 0, table present) are version 1 as they are.
                try db.create(table: "slot_table", options: .ifNotExists) { table in
                    table.primaryKey("scope", .text)
                    table.column("version", .integer).notNull()
                    table.column("state", .blob).notNull()
                }
                if current < schemaVersion { try db.execute(sql: "PRAGMA user_version = \(schemaVersion)") }
                return .commit
            }
        }
    }
}

/// One `DatabasePool` per file for the process.
private actor PoolCache {
    private var pools: [String: DatabasePool] = [:]

    func pool(at path: String, open: () throws -> DatabasePool) throws -> DatabasePool {
        if let pool = pools[path] { return pool }
        let pool = try open()
        pools[path] = pool
        return pool
    }

    func closeAll() {
        for pool in pools.values { try? pool.close() }
        pools = [:]
    }
}

extension TableCoordinator {
    /// The default: limits shared by every process of this user on this machine, through SQLite files under
    /// `stateHome/exportpipe/` (`stateHome`: `$XDG_STATE_HOME`, else `~/.local/state`).
    /// - Throws: `CoordinationError.store` when the directory cannot be created.
    public static func embedded(
        stateHome: String? = nil, timing: CoordinationTiming = .standard,
        clock: @escaping @Sendable () -> Date = { Date() }
    ) throws -> TableCoordinator {
        let home = stateHome ?? defaultStateHome()
        let directory = (home as NSString).appendingPathComponent("exportpipe")
        let store = try SQLiteSlotStore(directory: directory, clock: clock)
        return TableCoordinator(store: store, timing: timing, storeDescription: directory)
    }

    /// `$XDG_STATE_HOME`, else `~/.local/state`.
    public static func defaultStateHome(environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        if let xdg = environment["XDG_STATE_HOME"], xdg.hasPrefix("/") { return xdg }
        let home = environment["HOME"] ?? NSHomeDirectory()
        return (home as NSString).appendingPathComponent(".local/state")
    }
}

import ExportExecutor
import Foundation
import GRDB

/// An append-only record of what happened when, kept in the journal's SQLite file beside the chunk table: one
/// row per run (`runLog`) and one per progress event (`runEvent`). The run report draws its timeline from it.
///
/// The executor never writes here: the composition feeds it the same `ProgressEvent`s the progress display
/// gets. Events are buffered and written in one transaction per `flush()` (every few seconds and at the end),
/// so the log adds no disk sync per event. The tables are created with `IF NOT EXISTS`, so journals from before
/// this log open unchanged, and the journal's own migrations are not touched.
public final class RunEventLog: @unchecked Sendable {
    /// One run, as the log knows it.
    public struct Run: Sendable, Hashable, Codable {
        public var number: Int64
        /// `run` or `retry`.
        public var command: String
        public var pipeline: String
        /// Wall-clock seconds since 1970.
        public var startedAt: Double
        public var finishedAt: Double?
        /// API seconds per real second (1 against the real API).
        public var timeScale: Double
        /// Jobs that can run at once for this pipeline (users × running per user, at most the company's).
        public var slots: Int
        /// The plan's lower bound for the work this run had to do, in API seconds.
        public var lowerBoundSeconds: Double
        /// The API users, in the spec's order.
        public var users: [String]
        /// The exports, in the spec's order.
        public var exports: [String]
        /// How the run ended, when it ended and the composition said so (`finish(status:)`).
        public var status: RunReport.Status?
        /// The run's plan: per export, in the spec's order, its chunk ids (what `exportpipe status` and the report
        /// count the leaves of, as the run's own table and summary do); nil for a run logged before it was kept.
        public var plan: [PlannedExport]?

        /// One export of a run's plan.
        public struct PlannedExport: Sendable, Hashable, Codable {
            public var export: String
            public var chunks: [String]

            public init(export: String, chunks: [String]) {
                self.export = export
                self.chunks = chunks
            }
        }

        public init(
            number: Int64, command: String, pipeline: String, startedAt: Double, finishedAt: Double?,
            timeScale: Double, slots: Int, lowerBoundSeconds: Double, users: [String], exports: [String],
            status: RunReport.Status? = nil, plan: [PlannedExport]? = nil
        ) {
            self.number = number
            self.command = command
            self.pipeline = pipeline
            self.startedAt = startedAt
            self.finishedAt = finishedAt
            self.timeScale = timeScale
            self.slots = slots
            self.lowerBoundSeconds = lowerBoundSeconds
            self.users = users
            self.exports = exports
            self.status = status
            self.plan = plan
        }
    }

    /// One logged progress event.
    public struct Event: Sendable, Hashable {
        /// Wall-clock seconds since 1970.
        public var at: Double
        public var kind: String
        public var chunk: String?
        public var export: String?
        public var user: String?
        /// Redacted, as in the progress event.
        public var message: String?

        public init(at: Double, kind: String, chunk: String?, export: String?, user: String?, message: String?) {
            self.at = at
            self.kind = kind
            self.chunk = chunk
            self.export = export
            self.user = user
            self.message = message
        }
    }

    private let queue: DatabaseQueue
    private let lock = NSLock()
    private var buffer: [Event] = []
    private var run: Run?
    private let clock: @Sendable () -> Double

    /// Opens the log in the journal file at `journalPath` for writing (creating its tables when missing).
    /// - Throws: `RunReportingError` when the file cannot be opened.
    public init(journalPath: String, clock: @escaping @Sendable () -> Double = { Date().timeIntervalSince1970 }) throws
    {
        self.clock = clock
        do {
            var configuration = Configuration()
            configuration.busyMode = .timeout(10)
            queue = try DatabaseQueue(path: journalPath, configuration: configuration)
            try queue.write { db in
                try db.execute(
                    sql: """
                        CREATE TABLE IF NOT EXISTS runLog (
                            number INTEGER PRIMARY KEY AUTOINCREMENT, command TEXT NOT NULL, pipeline TEXT NOT NULL,
                            startedAt DOUBLE NOT NULL, finishedAt DOUBLE, timeScale DOUBLE NOT NULL,
                            slots INTEGER NOT NULL, lowerBoundSeconds DOUBLE NOT NULL, users TEXT NOT NULL,
                            exports TEXT NOT NULL);
                        CREATE TABLE IF NOT EXISTS runEvent (
                            id INTEGER PRIMARY KEY AUTOINCREMENT, run INTEGER NOT NULL, at DOUBLE NOT NULL,
                            kind TEXT NOT NULL, chunk TEXT, export TEXT, user TEXT, message TEXT);
                        CREATE INDEX IF NOT EXISTS runEventByRun ON runEvent(run, id);
                        """)
                // How each run ended (added later: older journals get the columns, their runs say nothing).
                let columns = Set(try db.columns(in: "runLog").map(\.name))
                // The run's plan (added later still: older runs have none).
                for (column, type) in [
                    ("status", "TEXT"), ("exitCode", "INTEGER"), ("error", "TEXT"), ("plan", "TEXT"),
                ]
                where !columns.contains(column) {
                    try db.execute(sql: "ALTER TABLE runLog ADD COLUMN \(column) \(type)")
                }
            }
        } catch {
            throw RunReportingError.journal("cannot open the run log in the journal at \(journalPath): \(error)")
        }
    }

    /// Starts a run: later events belong to it.
    /// - Throws: `RunReportingError` when the journal cannot be written.
    @discardableResult
    public func begin(
        command: String, pipeline: String, timeScale: Double, slots: Int, lowerBoundSeconds: Double, users: [String],
        exports: [String], plan: [Run.PlannedExport]? = nil
    ) throws -> Run {
        let startedAt = clock()
        let usersText = Self.json(users)
        let exportsText = Self.json(exports)
        let planText = plan.flatMap { try? JSONEncoder.sortedKeys.encode($0) }.map {
            String(decoding: $0, as: UTF8.self)
        }
        let number = try write { db -> Int64 in
            try db.execute(
                sql: """
                    INSERT INTO runLog
                        (command, pipeline, startedAt, timeScale, slots, lowerBoundSeconds, users, exports, plan)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    command, pipeline, startedAt, timeScale, slots, lowerBoundSeconds, usersText, exportsText, planText,
                ])
            return db.lastInsertedRowID
        }
        let run = Run(
            number: number, command: command, pipeline: pipeline, startedAt: startedAt, finishedAt: nil,
            timeScale: timeScale,
            slots: slots, lowerBoundSeconds: lowerBoundSeconds, users: users, exports: exports, plan: plan)
        lock.withLock { self.run = run }
        return run
    }

    /// Buffers one event, stamped with the current time.
    public func record(_ event: ProgressEvent) {
        let entry = Event(
            at: clock(), kind: event.kind.rawValue, chunk: event.chunk, export: event.export, user: event.user,
            message: event.message)
        lock.withLock { buffer.append(entry) }
    }

    /// Writes the buffered events.
    /// - Throws: `RunReportingError` when the journal cannot be written.
    public func flush() throws {
        let (pending, run) = lock.withLock {
            let taken = buffer
            buffer.removeAll()
            return (taken, self.run)
        }
        guard let run, !pending.isEmpty else { return }
        try write { db in
            for event in pending {
                try db.execute(
                    sql:
                        "INSERT INTO runEvent (run, at, kind, chunk, export, user, message) VALUES (?, ?, ?, ?, ?, ?, ?)",
                    arguments: [run.number, event.at, event.kind, event.chunk, event.export, event.user, event.message])
            }
        }
    }

    /// Flushes and records the end of the run, with how it ended when known (so `exportpipe report` shows it
    /// later).
    /// - Throws: `RunReportingError` when the journal cannot be written.
    public func finish(status: RunReport.Status? = nil) throws {
        try flush()
        guard let run = lock.withLock({ self.run }) else { return }
        let now = clock()
        try write { db in
            try db.execute(
                sql: "UPDATE runLog SET finishedAt = ?, status = ?, exitCode = ?, error = ? WHERE number = ?",
                arguments: [now, status?.kind.rawValue, status?.exitCode, status?.error, run.number])
        }
    }

    private func write<T>(_ body: (Database) throws -> T) throws -> T {
        do { return try queue.write(body) } catch {
            throw RunReportingError.journal("cannot write the run log in the journal at \(queue.path): \(error)")
        }
    }

    /// A run's plan as the `plan` column holds it; nil for none or a value that does not decode.
    static func plan(_ text: String?) -> [Run.PlannedExport]? {
        text.flatMap { try? JSONDecoder().decode([Run.PlannedExport].self, from: Data($0.utf8)) }
    }

    static func json(_ values: [String]) -> String {
        (try? JSONEncoder().encode(values)).map { String(decoding: $0, as: UTF8.self) } ?? "[]"
    }
}

extension JSONEncoder {
    fileprivate static var sortedKeys: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return encoder
    }
}

import ExportExecutor
import Foundation
import GRDB

/// What the journal holds at one instant, read without writing to it: the chunks, the latest run of the run
/// log and that run's events. Opened read-only, so `exportpipe report` works while a run holds the journal.
public struct JournalSnapshot: Sendable {
    public var records: [ChunkRecord]
    /// The latest run, or nil for a journal written before the run log existed.
    public var run: RunEventLog.Run?
    public var events: [RunEventLog.Event]

    public init(records: [ChunkRecord], run: RunEventLog.Run?, events: [RunEventLog.Event]) {
        self.records = records
        self.run = run
        self.events = events
    }

    /// Reads the journal at `path`.
    /// - Throws: `RunReportingError` when the file is missing or unreadable.
    public static func read(journalPath path: String) throws -> JournalSnapshot {
        guard FileManager.default.fileExists(atPath: path) else {
            throw RunReportingError.journal("no journal at \(path): this pipeline has not run yet")
        }
        do {
            var configuration = Configuration()
            configuration.readonly = true
            configuration.busyMode = .timeout(5)
            let queue = try DatabaseQueue(path: path, configuration: configuration)
            return try queue.read { db in
                let records =
                    try db.tableExists("chunk")
                    ? try ChunkRecord.order(Column("exportName"), Column("windowStart"), Column("id")).fetchAll(db)
                    : []
                guard try db.tableExists("runLog"), try db.tableExists("runEvent"),
                    let row = try Row.fetchOne(db, sql: "SELECT * FROM runLog ORDER BY number DESC LIMIT 1")
                else { return JournalSnapshot(records: records, run: nil, events: []) }
                func strings(_ text: String) -> [String] {
                    (try? JSONDecoder().decode([String].self, from: Data(text.utf8))) ?? []
                }
                let run = RunEventLog.Run(
                    number: row["number"], command: row["command"], pipeline: row["pipeline"],
                    startedAt: row["startedAt"], finishedAt: row["finishedAt"], timeScale: row["timeScale"],
                    slots: row["slots"], lowerBoundSeconds: row["lowerBoundSeconds"], users: strings(row["users"]),
                    exports: strings(row["exports"]),
                    status: (row["status"] as String?).flatMap { kind in
                        RunReport.Status(
                            status: kind, exitCode: (row["exitCode"] as Int?) ?? 0, error: row["error"] as String?)
                    },
                    plan: RunEventLog.plan(row.hasColumn("plan") ? row["plan"] as String? : nil))
                let events = try Row.fetchAll(
                    db, sql: "SELECT * FROM runEvent WHERE run = ? ORDER BY id", arguments: [run.number]
                ).map { row in
                    RunEventLog.Event(
                        at: row["at"], kind: row["kind"], chunk: row["chunk"], export: row["export"],
                        user: row["user"], message: row["message"])
                }
                return JournalSnapshot(records: records, run: run, events: events)
            }
        } catch {
            throw RunReportingError.journal("cannot read the journal at \(path): \(error)")
        }
    }
}

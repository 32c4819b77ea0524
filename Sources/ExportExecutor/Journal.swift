import AnalyticsAPI
import AnalyticsClient
import ExportScheduling
import Foundation
import GRDB

/// The run's memory: every chunk's state machine in SQLite (through GRDB), written before the step it announces
/// is acted on, so a crash at any instant can be resumed without submitting anything twice.
///
/// The file is created with mode 0600: it holds status URLs, whose access tokens are secrets.
public final class Journal: Sendable {
    private let queue: DatabaseQueue
    /// The journal file.
    public let path: String
    private let clock: @Sendable () -> Double

    /// Opens (creating if needed) the journal at `path`.
    /// - Throws: `ExecutorError.journal` when the file cannot be created or read.
    public init(path: String, clock: @escaping @Sendable () -> Double = { Date().timeIntervalSince1970 }) throws {
        self.path = path
        self.clock = clock
        let manager = FileManager.default
        do {
            try manager.createDirectory(
                atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            if !manager.fileExists(atPath: path) {
                guard manager.createFile(atPath: path, contents: nil, attributes: [.posixPermissions: 0o600]) else {
                    throw ExecutorError.journal("cannot create the journal at \(path)")
                }
            }
            try manager.setAttributes([.posixPermissions: 0o600], ofItemAtPath: path)
            var configuration = Configuration()
            configuration.busyMode = .timeout(10)
            queue = try DatabaseQueue(path: path, configuration: configuration)
            try Self.migrator.migrate(queue)
        } catch let error as ExecutorError {
            throw error
        } catch {
            throw ExecutorError.journal("cannot open the journal at \(path): \(error)")
        }
    }

    private static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            try db.create(table: "chunk") { table in
                table.primaryKey("id", .text)
                table.column("exportName", .text).notNull().indexed()
                table.column("parentId", .text)
                table.column("request", .text).notNull()
                table.column("windowStart", .integer).notNull()
                table.column("windowEnd", .integer).notNull()
                table.column("state", .text).notNull().indexed()
                table.column("attempts", .integer).notNull()
                table.column("user", .text)
                table.column("workflowId", .text)
                table.column("runId", .text)
                table.column("statusUrl", .text)
                table.column("downloadUrl", .text)
                table.column("lastError", .text)
                table.column("rows", .integer)
                table.column("bytes", .integer)
                table.column("sha256", .text)
                table.column("file", .text)
                table.column("expectedRows", .integer).notNull()
                table.column("expectedSeconds", .double).notNull()
                table.column("submittedAt", .double)
                table.column("closedAt", .double)
                table.column("verifiedAt", .double)
                table.column("updatedAt", .double).notNull()
                table.column("rejections", .integer).notNull()
            }
            try db.create(table: "volume") { table in
                table.primaryKey("exportName", .text)
                table.column("rows", .integer).notNull()
                table.column("milliseconds", .integer).notNull()
            }
        }
        migrator.registerMigration("v2-durations") { db in
            // API seconds from submit to CLOSED of the chunk's last job, and what jobs of each export really took.
            try db.alter(table: "chunk") { table in table.add(column: "jobSeconds", .double) }
            try db.create(table: "duration") { table in
                table.primaryKey("exportName", .text)
                table.column("rows", .integer).notNull()
                table.column("seconds", .double).notNull()
                table.column("expectedSeconds", .double).notNull()
                table.column("jobs", .integer).notNull()
            }
        }
        migrator.registerMigration("v3-duration-spread") { db in
            // How far jobs stray from their estimates: Σ log(seconds ÷ expected) and its squares (LearnedDurations).
            try db.alter(table: "duration") { table in
                table.add(column: "logRatioSum", .double).notNull().defaults(to: 0)
                table.add(column: "logRatioSquares", .double).notNull().defaults(to: 0)
                table.add(column: "spreadJobs", .integer).notNull().defaults(to: 0)
                table.add(column: "closedSeconds", .double)
            }
            try db.alter(table: "chunk") { table in table.add(column: "jobClosedSeconds", .double) }
        }
        return migrator
    }

    // MARK: - Reading

    /// Every chunk, in a stable order (export, window, id).
    public func records() throws -> [ChunkRecord] {
        try read { db in try ChunkRecord.order(Column("exportName"), Column("windowStart"), Column("id")).fetchAll(db) }
    }

    public func record(_ id: String) throws -> ChunkRecord? {
        try read { db in try ChunkRecord.fetchOne(db, key: id) }
    }

    /// Learned rows per day by export name (for `chunk: auto`).
    public func volumeHints() throws -> [String: Double] {
        try read { db in
            Dictionary(uniqueKeysWithValues: try VolumeRecord.fetchAll(db).map { ($0.exportName, $0.rowsPerDay) })
        }
    }

    /// What jobs of each export really took (API seconds from submit to CLOSED) against the cost model.
    public func learnedDurations() throws -> LearnedDurations {
        try read { db in
            let rows = try Row.fetchAll(
                db,
                sql: """
                    SELECT exportName, rows, seconds, expectedSeconds, jobs, logRatioSum, logRatioSquares, spreadJobs,
                      closedSeconds
                    FROM duration
                    """)
            var samples: [String: LearnedDurations.Sample] = [:]
            for row in rows {
                samples[row["exportName"]] = LearnedDurations.Sample(
                    rows: row["rows"], seconds: row["seconds"], expectedSeconds: row["expectedSeconds"],
                    jobs: row["jobs"], logRatioSum: row["logRatioSum"], logRatioSquares: row["logRatioSquares"],
                    spreadJobs: row["spreadJobs"], closedSeconds: row["closedSeconds"])
            }
            return LearnedDurations(samples)
        }
    }

    // MARK: - Transitions

    /// Adds the chunks the journal does not know yet (a known id keeps its state: that is what resuming is).
    public func register(_ items: [WorkItem]) throws {
        let now = clock()
        try write { db in
            for item in items where try ChunkRecord.fetchOne(db, key: item.id) == nil {
                try ChunkRecord(item: item, now: now).insert(db)
            }
        }
    }

    /// Puts a verified chunk back to planned so it is exported again (late data, or its file is gone).
    public func replan(_ id: String, reason: String) throws {
        try update(id) { record in
            record.state = .planned
            record.attempts = 0
            record.lastError = reason
            record.clearJob()
            record.rows = nil
            record.bytes = nil
            record.sha256 = nil
            record.verifiedAt = nil
        }
    }

    /// Journaled before the submit request is sent.
    public func markSubmitting(_ id: String, user: String) throws {
        try update(id) { record in
            record.state = .submitting
            record.user = user
        }
    }

    /// Journaled as soon as the API answers with ids, before the job is polled.
    public func markSubmitted(_ id: String, job: SubmittedJob) throws {
        let now = clock()
        try update(id) { record in
            record.state = .submitted
            record.workflowId = job.workflowId
            record.runId = job.runId
            record.statusUrl = job.statusURL
            record.downloadUrl = job.downloadURL
            record.submittedAt = now
        }
    }

    /// CLOSED + COMPLETED: the file may be downloaded.
    /// `jobSeconds`: API seconds from submit to CLOSED, when this run followed the job from its submit.
    public func markCompleted(
        _ id: String, downloadURL: String?, jobSeconds: Double? = nil, closedSeconds: Double? = nil
    ) throws {
        let now = clock()
        try update(id) { record in
            record.state = .completed
            if let downloadURL, !downloadURL.isEmpty { record.downloadUrl = downloadURL }
            record.closedAt = now
            record.jobSeconds = jobSeconds
            record.jobClosedSeconds = closedSeconds
        }
    }

    /// A job of a chunk no longer in the plan has closed: forget the job (the chunk stays planned).
    public func retire(_ id: String) throws {
        try update(id) { record in
            record.state = .planned
            record.lastError = "retired: its job closed after the chunk left the plan"
            record.clearJob()
        }
    }

    /// The file is in place and checked.
    public func markVerified(_ id: String, rows: Int64, bytes: Int64, sha256: String, file: String) throws {
        let now = clock()
        try write { db in
            guard var record = try ChunkRecord.fetchOne(db, key: id) else { return }
            record.state = .verified
            record.rows = rows
            record.bytes = bytes
            record.sha256 = sha256
            record.file = file
            record.verifiedAt = now
            record.updatedAt = now
            record.lastError = nil
            try record.update(db)
            var volume =
                try VolumeRecord.fetchOne(db, key: record.exportName)
                ?? VolumeRecord(exportName: record.exportName, rows: 0, milliseconds: 0)
            volume.rows += rows
            volume.milliseconds += record.windowEnd - record.windowStart
            try volume.save(db)
            if let seconds = record.jobSeconds, seconds > 0, record.expectedSeconds > 0 {
                let logRatio = log(seconds / record.expectedSeconds)
                try db.execute(
                    sql: """
                        INSERT INTO duration (exportName, rows, seconds, expectedSeconds, jobs, logRatioSum,
                          logRatioSquares, spreadJobs, closedSeconds) VALUES (?, ?, ?, ?, 1, ?, ?, 1, ?)
                        ON CONFLICT(exportName) DO UPDATE SET rows = rows + excluded.rows,
                          seconds = seconds + excluded.seconds, expectedSeconds = expectedSeconds + excluded.expectedSeconds,
                          jobs = jobs + 1, logRatioSum = logRatioSum + excluded.logRatioSum,
                          logRatioSquares = logRatioSquares + excluded.logRatioSquares, spreadJobs = spreadJobs + 1,
                          closedSeconds = COALESCE(closedSeconds, seconds) + excluded.closedSeconds
                        """,
                    arguments: [
                        record.exportName, rows, seconds, record.expectedSeconds, logRatio, logRatio * logRatio,
                        max(seconds, record.jobClosedSeconds ?? seconds),
                    ])
            }
        }
    }

    /// The queue was full (someone else's load): back to planned, no attempt spent.
    public func markRejected(_ id: String) throws {
        try update(id) { record in
            record.state = .planned
            record.rejections += 1
            record.clearJob()
        }
    }

    /// A try failed. The chunk goes back to planned (`final == false`) or is failed for good.
    public func markAttemptFailed(_ id: String, error: String, final: Bool) throws {
        try update(id) { record in
            record.attempts += 1
            record.lastError = error
            record.state = final ? .failed : .planned
            record.clearJob()
        }
    }

    /// Replaces a failing chunk by its halves, in one transaction.
    public func markSplit(_ id: String, error: String, into children: [WorkItem]) throws {
        let now = clock()
        try write { db in
            guard var record = try ChunkRecord.fetchOne(db, key: id) else { return }
            record.state = .split
            record.attempts += 1
            record.lastError = error
            record.clearJob()
            record.updatedAt = now
            try record.update(db)
            for child in children {
                if var existing = try ChunkRecord.fetchOne(db, key: child.id) {
                    // A half that exists already (an earlier split) starts over with a fresh budget.
                    if existing.state == .failed {
                        existing.state = .planned
                        existing.attempts = 0
                        existing.updatedAt = now
                        try existing.update(db)
                    }
                } else {
                    try ChunkRecord(item: child, now: now).insert(db)
                }
            }
        }
    }

    // MARK: - Plumbing

    private func update(_ id: String, _ change: (inout ChunkRecord) -> Void) throws {
        let now = clock()
        try write { db in
            guard var record = try ChunkRecord.fetchOne(db, key: id) else { return }
            change(&record)
            record.updatedAt = now
            try record.update(db)
        }
    }

    private func read<T>(_ body: (Database) throws -> T) throws -> T {
        do { return try queue.read(body) } catch { throw ExecutorError.journal("cannot read the journal: \(error)") }
    }

    private func write<T>(_ body: (Database) throws -> T) throws -> T {
        do { return try queue.write(body) } catch {
            throw ExecutorError.journal("cannot write the journal at \(path): \(error)")
        }
    }
}

extension ChunkRecord {
    fileprivate mutating func clearJob() {
        workflowId = nil
        runId = nil
        statusUrl = nil
        downloadUrl = nil
        submittedAt = nil
        closedAt = nil
        jobSeconds = nil
    }
}

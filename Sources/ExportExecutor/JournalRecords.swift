import AnalyticsAPI
import ExportScheduling
import Foundation
import GRDB

/// One chunk's row in the journal.
public struct ChunkRecord: Codable, Sendable, Hashable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "chunk"

    public var id: String
    public var exportName: String
    /// The chunk this one was split from.
    public var parentId: String?
    /// What is submitted, exactly: stored as JSON with sorted keys, decoded once when the row is read.
    public var request: ExportRequest
    public var windowStart: Int64
    public var windowEnd: Int64
    public var state: ChunkState
    /// Attempts spent (queue rejections are not attempts).
    public var attempts: Int
    /// The API user the job was submitted as.
    public var user: String?
    public var workflowId: String?
    public var runId: String?
    /// Contains the job's access token: stored to re-attach, never printed.
    public var statusUrl: String?
    public var downloadUrl: String?
    /// The last error, redacted.
    public var lastError: String?
    public var rows: Int64?
    public var bytes: Int64?
    public var sha256: String?
    /// The chunk file, relative to the state directory.
    public var file: String?
    public var expectedRows: Int
    public var expectedSeconds: Double
    /// Wall-clock seconds since 1970 at each step.
    public var submittedAt: Double?
    public var closedAt: Double?
    public var verifiedAt: Double?
    public var updatedAt: Double
    /// Queue rejections absorbed (another user's load filled the queue).
    public var rejections: Int
    /// API seconds from submit to CLOSED of the last job, when the run followed it from its submit: midway between
    /// the last status that showed it in flight and the first that showed it CLOSED (`Scheduler.jobSeconds`).
    public var jobSeconds: Double?
    /// API seconds from submit to the answer that showed the last job CLOSED (an upper bound, for holds).
    public var jobClosedSeconds: Double?

    public init(item: WorkItem, now: Double) {
        id = item.id
        exportName = item.exportName
        parentId = item.parentId
        request = item.request
        windowStart = item.request.startTime
        windowEnd = item.request.endTime
        state = .planned
        attempts = 0
        expectedRows = item.expectedRows
        expectedSeconds = item.expectedSeconds
        updatedAt = now
        rejections = 0
    }

    /// The request column's JSON: deterministic (sorted keys, slashes as written), as the journal always kept it.
    public static func databaseJSONEncoder(for column: String) -> JSONEncoder { .sorted }

    /// The work item this record stands for.
    public var workItem: WorkItem {
        WorkItem(
            id: id, exportName: exportName, request: request, expectedRows: expectedRows,
            expectedSeconds: expectedSeconds, parentId: parentId)
    }
}

/// Rows per day learned from finished chunks, per export name, fed back into `chunk: auto`.
public struct VolumeRecord: Codable, Sendable, Hashable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "volume"
    public var exportName: String
    public var rows: Int64
    public var milliseconds: Int64

    public var rowsPerDay: Double { milliseconds > 0 ? Double(rows) * 86_400_000 / Double(milliseconds) : 0 }
}

extension JSONEncoder {
    /// Deterministic JSON: sorted keys, no escaping of slashes.
    static var sorted: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }
}

import ExportBasics
import Foundation

/// What a journal says, per export: for `exportpipe status`. Its printed form never shows URLs or tokens.
public struct JournalReport: Sendable, Hashable, Codable {
    public struct ExportLine: Sendable, Hashable, Codable {
        public var export: String
        public var verified = 0
        public var inFlight = 0
        public var planned = 0
        public var failed = 0
        public var split = 0
        public var rows: Int64 = 0
        public var bytes: Int64 = 0
        public var rejections = 0
        /// The last error of each failed chunk, redacted.
        public var errors: [String] = []
    }

    /// A job the journal holds in flight for a chunk the current plan no longer has (a rolling window moved):
    /// the next run follows it to CLOSED, counting it against the limits, then retires it.
    public struct OutsidePlanJob: Sendable, Hashable, Codable {
        public var chunk: String
        public var export: String
        /// The chunk's window, epoch milliseconds, half-open.
        public var windowStart: Int64
        public var windowEnd: Int64
        /// `submitting` (the submit's answer was lost: a job may exist) or `submitted`.
        public var state: String
        public var user: String?
    }

    public var exports: [ExportLine]
    /// Jobs in flight outside the current plan; empty when the report was made without a plan.
    public var outsidePlan: [OutsidePlanJob] = []

    /// - Parameter planned: the chunk ids of the plan a run would make now; with it, jobs in flight for chunks
    ///   outside it (and outside their splits) are listed in `outsidePlan`.
    public init(records: [ChunkRecord], planned: Set<String>? = nil) {
        var lines: [String: ExportLine] = [:]
        for record in records {
            var line = lines[record.exportName] ?? ExportLine(export: record.exportName)
            switch record.state {
            case .verified:
                line.verified += 1
                line.rows += record.rows ?? 0
                line.bytes += record.bytes ?? 0
            case .submitting, .submitted, .completed: line.inFlight += 1
            case .planned: line.planned += 1
            case .failed:
                line.failed += 1
                line.errors.append("chunk \(record.id): \(record.lastError ?? "no error recorded")")
            case .split: line.split += 1
            }
            line.rejections += record.rejections
            lines[record.exportName] = line
        }
        exports = lines.values.sorted { $0.export < $1.export }
        guard let planned else { return }
        // The plan's chunks and, through splits, their descendants: what a run would follow anyway.
        let children = Dictionary(grouping: records.filter { $0.parentId != nil }, by: { $0.parentId! })
        var reached = Set<String>()
        var stack = Array(planned)
        while let id = stack.popLast() {
            guard reached.insert(id).inserted else { continue }
            stack += (children[id] ?? []).map(\.id)
        }
        outsidePlan = records.filter { !reached.contains($0.id) && $0.state.mayBeOutstanding }.map { record in
            OutsidePlanJob(
                chunk: record.id, export: record.exportName, windowStart: record.windowStart,
                windowEnd: record.windowEnd, state: record.state.rawValue, user: record.user)
        }
    }

    /// A table for people.
    public var text: String {
        func pad(_ text: String, _ width: Int) -> String {
            text.count >= width ? text + " " : text + String(repeating: " ", count: width - text.count)
        }
        guard !exports.isEmpty else { return "the journal holds no chunks yet\n" }
        var out =
            pad("export", 28) + pad("done", 7) + pad("in flight", 11) + pad("to do", 7) + pad("failed", 8)
            + pad("rows", 12) + "bytes\n"
        for line in exports {
            out +=
                pad(line.export, 28) + pad("\(line.verified)", 7) + pad("\(line.inFlight)", 11)
                + pad("\(line.planned)", 7) + pad("\(line.failed)", 8) + pad("\(line.rows)", 12) + "\(line.bytes)\n"
            for error in line.errors { out += "  failed: \(error)\n" }
        }
        if !outsidePlan.isEmpty {
            out +=
                "in flight, no longer in the plan (\(outsidePlan.count)): the next run follows "
                + "\(outsidePlan.count == 1 ? "it" : "them") to CLOSED, counted against the limits, then retires "
                + "\(outsidePlan.count == 1 ? "it" : "them")\n"
            func show(_ millis: Int64) -> String { InstantFormat.utc(millis) }
            for job in outsidePlan {
                out +=
                    "  chunk \(job.chunk): export \(job.export), window \(show(job.windowStart)) – "
                    + "\(show(job.windowEnd)), \(job.state)\(job.user.map { " by \($0)" } ?? "")\n"
            }
        }
        return out
    }
}

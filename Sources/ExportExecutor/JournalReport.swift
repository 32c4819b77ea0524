import ExportBasics
import Foundation

/// What a journal says, per export: for `exportpipe status`. Its printed form never shows URLs or tokens.
///
/// Chunks are counted as every other view counts them (the end-of-run table, `run-summary.json`, the report): the
/// leaves of a plan's chunks (a split chunk stands for its halves), so `done 13/13` means the same everywhere.
/// Rows and bytes are the output's, as it is on disk (the merged CSV, or a dataset's partitions), not the sum of
/// the chunk files (each repeats the header, and boundary rows are de-duplicated in the merge).
public struct JournalReport: Sendable, Hashable, Codable {
    public struct ExportLine: Sendable, Hashable, Codable {
        public var export: String
        /// The plan's leaves: chunks to be done in all (the `13` of `done 13/13`).
        public var chunks = 0
        public var verified = 0
        public var inFlight = 0
        /// To do: planned, not submitted yet.
        public var planned = 0
        public var failed = 0
        public var split = 0
        /// The output's rows and bytes on disk (0 while nothing is written): what a reader of the files gets.
        public var rows: Int64 = 0
        public var bytes: Int64 = 0
        /// The verified chunk files' rows and bytes (each file has its own header line).
        public var chunkRows: Int64 = 0
        public var chunkBytes: Int64 = 0
        /// What the output holds for the export, when it holds anything.
        public var output: Output?
        public var rejections = 0
        /// The last error of each failed chunk, redacted.
        public var errors: [String] = []

        public init(export: String) { self.export = export }
    }

    /// What an output holds for one export, as found on disk.
    public struct Output: Sendable, Hashable, Codable {
        /// The files, relative to the output folder (one merged CSV, or a dataset's partitions).
        public var files: [String]
        /// Rows as the output's manifest records them.
        public var rows: Int64
        /// Bytes of the files on disk.
        public var bytes: Int64
        /// Files the manifest lists that are not on disk.
        public var missing: [String]

        public init(files: [String], rows: Int64, bytes: Int64, missing: [String] = []) {
            self.files = files
            self.rows = rows
            self.bytes = bytes
            self.missing = missing
        }
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

    /// - Parameters:
    ///   - plan: per export, in the order shown, the chunk ids the counts are for (the latest run's plan); each
    ///     export counts their leaves, ids with no record as to do. Nil: every record of the journal is counted.
    ///   - planned: the chunk ids of the plan a run would make now; with it, jobs in flight for chunks outside it
    ///     (and outside their splits) are listed in `outsidePlan`.
    ///   - outputs: per export, what the output holds on disk.
    public init(
        records: [ChunkRecord], plan: [(export: String, chunks: [String])]? = nil, planned: Set<String>? = nil,
        outputs: [String: Output] = [:]
    ) {
        var lines: [ExportLine] = []
        if let plan {
            for (export, ids) in plan {
                let (leaves, missing) = ChunkRecord.leaves(of: ids, in: records)
                var line = ExportLine(export: export)
                for leaf in leaves { Self.count(leaf, into: &line) }
                line.planned += missing
                line.chunks = leaves.count + missing
                line.split = Self.splits(under: ids, in: records)
                lines.append(line)
            }
        } else {
            var byName: [String: ExportLine] = [:]
            for record in records {
                var line = byName[record.exportName] ?? ExportLine(export: record.exportName)
                if record.state == .split {
                    line.split += 1
                } else {
                    Self.count(record, into: &line)
                    line.chunks += 1
                }
                byName[record.exportName] = line
            }
            lines = byName.values.sorted { $0.export < $1.export }
        }
        for index in lines.indices {
            guard let output = outputs[lines[index].export] else { continue }
            lines[index].output = output
            lines[index].rows = output.rows
            lines[index].bytes = output.bytes
        }
        exports = lines
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

    /// Adds one leaf to its export's counts.
    private static func count(_ record: ChunkRecord, into line: inout ExportLine) {
        switch record.state {
        case .verified:
            line.verified += 1
            line.chunkRows += record.rows ?? 0
            line.chunkBytes += record.bytes ?? 0
        case .submitting, .submitted, .completed: line.inFlight += 1
        case .planned: line.planned += 1
        case .failed:
            line.failed += 1
            line.errors.append("chunk \(record.id): \(record.lastError ?? "no error recorded")")
        case .split: break
        }
        line.rejections += record.rejections
    }

    /// The split chunks among `ids` and their descendants.
    private static func splits(under ids: [String], in records: [ChunkRecord]) -> Int {
        let byId = Dictionary(records.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        let children = Dictionary(grouping: records.filter { $0.parentId != nil }, by: { $0.parentId! })
        var seen = Set<String>()
        var stack = ids
        var count = 0
        while let id = stack.popLast() {
            guard seen.insert(id).inserted, let record = byId[id], record.state == .split else { continue }
            count += 1
            stack += (children[id] ?? []).map(\.id)
        }
        return count
    }

    /// A table for people.
    public var text: String {
        func pad(_ text: String, _ width: Int) -> String {
            text.count >= width ? text + " " : text + String(repeating: " ", count: width - text.count)
        }
        guard !exports.isEmpty else { return "the journal holds no chunks yet\n" }
        let nameWidth = max(16, (exports.map(\.export.count).max() ?? 0) + 2)
        var out =
            pad("export", nameWidth) + pad("done", 10) + pad("in flight", 11) + pad("to do", 7) + pad("failed", 8)
            + pad("rows", 12) + pad("bytes", 14) + "output\n"
        for line in exports {
            let written = line.output.map { output in
                (output.files.count == 1 ? output.files[0] : "\(output.files.count) files")
                    + (output.missing.isEmpty ? "" : " (missing on disk: \(output.missing.joined(separator: ", ")))")
            }
            out +=
                pad(line.export, nameWidth) + pad("\(line.verified)/\(line.chunks)", 10) + pad("\(line.inFlight)", 11)
                + pad("\(line.planned)", 7) + pad("\(line.failed)", 8)
                + pad(line.output == nil ? "-" : "\(line.rows)", 12)
                + pad(line.output == nil ? "-" : "\(line.bytes)", 14)
                + (written ?? "not written yet (\(line.chunkRows) rows in \(line.verified) verified chunks)") + "\n"
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

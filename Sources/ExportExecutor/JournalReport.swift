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

    public var exports: [ExportLine]

    public init(records: [ChunkRecord]) {
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
        return out
    }
}

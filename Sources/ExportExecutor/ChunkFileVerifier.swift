import AnalyticsAPI
import CSVMerge
import ExportBasics
import ExportScheduling
import Foundation

/// Checks a downloaded chunk: a header, then records that are well-formed RFC 4180 to the last one, each with
/// the header's field count. Returns the number of data rows.
///
/// A window without rows is a valid chunk of zero rows, whether the body is a header alone or empty (0 bytes).
/// A body that is not the CSV export at all — an HTML or XML page, a JSON error envelope, plain text where the
/// export has several columns, a still-compressed gzip stream — is a `ChunkBodyError` naming the chunk, its
/// window and the body's first bytes (redacted), so the executor exports the chunk again and never merges it.
public enum ChunkFileVerifier {
    /// What the verifier knows of the chunk whose file it checks.
    public struct Expectation: Sendable {
        public var chunkId: String
        public var exportName: String
        public var window: (start: Int64, end: Int64)?
        /// How many columns the request asked for (`reportMetrics`, or the catalog's), when known.
        public var columns: Int?

        public init(chunkId: String, exportName: String, window: (start: Int64, end: Int64)?, columns: Int?) {
            self.chunkId = chunkId
            self.exportName = exportName
            self.window = window
            self.columns = columns
        }
    }

    /// - Throws: `ChunkBodyError` for a body that is not CSV; `CSVMergeError` naming the file, record and byte
    ///   offset of the first problem.
    public static func verify(path: String, expecting expectation: Expectation? = nil) throws -> Int64 {
        try checkBody(path: path, expectation: expectation)
        let scanner = try CSVScanner(path: path, fieldRangeLimit: 0)
        // A 0-byte body: the API had no rows for the window and sent no header either.
        guard let header = try scanner.next() else { return 0 }
        if let columns = expectation?.columns, columns > 1, header.fieldCount == 1 {
            throw ChunkBodyError(
                expectation: expectation, path: path, kind: "plain text", preview: try preview(of: path))
        }
        scanner.expectedFieldCount = header.fieldCount
        var rows: Int64 = 0
        while try scanner.next() != nil { rows += 1 }
        return rows
    }

    /// Checks the downloaded file of `item` at `path`, for the window and the columns its request asked for.
    /// - Throws: as `verify(path:expecting:)`.
    public static func verify(path: String, item: WorkItem) throws -> Int64 {
        let request = item.request
        let columns =
            request.selection.columns.isEmpty
            ? ExportCatalog.descriptor(for: request.type).columns.count : request.selection.columns.count
        let expectation = Expectation(
            chunkId: item.id, exportName: item.exportName, window: (request.startTime, request.endTime),
            columns: columns)
        return try verify(path: path, expecting: expectation)
    }

    /// Rejects bodies whose first bytes show they are not CSV.
    private static func checkBody(path: String, expectation: Expectation?) throws {
        let head = try preview(of: path, bytes: 512)
        var bytes = head[...]
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { bytes = bytes.dropFirst(3) }
        if bytes.starts(with: [0x1F, 0x8B]) {
            throw ChunkBodyError(expectation: expectation, path: path, kind: "still gzip-compressed", preview: [])
        }
        guard let first = bytes.first(where: { ![0x20, 0x09, 0x0D, 0x0A].contains($0) }) else { return }
        let kind: String?
        switch first {
        case UInt8(ascii: "<"): kind = "HTML or XML"
        case UInt8(ascii: "{"), UInt8(ascii: "["): kind = "JSON (an error envelope?)"
        default: kind = nil
        }
        if let kind { throw ChunkBodyError(expectation: expectation, path: path, kind: kind, preview: head) }
    }

    private static func preview(of path: String, bytes count: Int = 512) throws -> [UInt8] {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw CSVMergeError(kind: .cannotOpen, file: path, message: "cannot be opened to check it")
        }
        defer { try? handle.close() }
        return Array((try? handle.read(upToCount: count)) ?? Data())
    }
}

/// A 200 answer whose body is not the CSV export: never merged, the chunk is exported again.
public struct ChunkBodyError: Error, Sendable, CustomStringConvertible {
    public var description: String

    init(expectation: ChunkFileVerifier.Expectation?, path: String, kind: String, preview: [UInt8]) {
        var subject = path
        if let expectation {
            subject = "\(expectation.exportName) chunk \(expectation.chunkId)"
            if let window = expectation.window {
                subject += " (window \(Self.iso(window.start))…\(Self.iso(window.end)))"
            }
        }
        var text = String(decoding: preview.prefix(120), as: UTF8.self)
            .replacingOccurrences(of: "\r", with: " ").replacingOccurrences(of: "\n", with: " ")
            .trimmingCharacters(in: .whitespaces)
        text = Redaction.redact(text)
        let shown = text.isEmpty ? "" : ": it begins \"\(text)\""
        description =
            "\(subject): the server answered 200 but the body is \(kind), not the CSV export\(shown); the chunk is "
            + "exported again, and this body is never merged"
    }

    private static func iso(_ millis: Int64) -> String { InstantFormat.utc(millis) }
}

import CSVMerge
import ExportBasics
import ExportSpec

/// The manifest's JSON, written by hand: sorted keys, two-space indentation, one partition after another.
///
/// A nightly run rewrites the manifest of every export, whatever the length of its history; Foundation's encoder
/// (sorted keys, snake_case conversion, an ISO formatter per window) took 0.28 s for 540 partitions in a debug build.
/// This writer appends bytes to one buffer — digits written in place, no intermediate strings, no closures that
/// capture the buffer (which put it on the heap and cost a first version 3.3 ms per 540-partition manifest in a
/// release build) — so the manifest weighs little in a night's cost (`scripts/bench-dataset`). `JSONReader` reads it
/// back (`init(json:)`, below), for the same reason.
extension DatasetManifest {
    /// The JSON bytes, final newline included.
    public func jsonBytes() -> [UInt8] {
        var out = ManifestJSONWriter()
        out.bytes.reserveCapacity(512 + partitions.count * 640)
        out.open("{")
        out.member(2, "compression", compression.rawValue)
        out.member(2, "export", export)
        out.member(2, "format_version", Int64(formatVersion))
        out.member(2, "partition_grain", partitionGrain.rawValue)
        out.key(2, "partitions")
        if partitions.isEmpty {
            out.raw("[],\n")
        } else {
            out.open("[")
            for entry in partitions {
                out.open("    {")
                out.member(6, "bytes", entry.bytes)
                out.member(6, "exported_at", entry.exportedAt)
                out.member(6, "exported_at_ms", entry.exportedAtMs)
                out.member(6, "file", entry.file)
                if let fileSha256 = entry.fileSha256 { out.member(6, "file_sha256", fileSha256) }
                out.member(6, "modified_ns", entry.modifiedNs)
                out.member(6, "partition", entry.partition)
                out.member(6, "rows", Int64(entry.rows))
                out.member(6, "settled", entry.settled)
                out.member(6, "sha256", entry.sha256)
                out.member(6, "uncompressed_bytes", entry.uncompressedBytes)
                out.key(6, "window")
                out.open("{")
                out.member(8, "end", utc: entry.window.endMs)
                out.member(8, "end_ms", entry.window.endMs)
                out.member(8, "start", utc: entry.window.startMs)
                out.member(8, "start_ms", entry.window.startMs)
                out.close("      }")
                out.close("    }")
            }
            out.close("  ]")
        }
        out.member(2, "time_zone", timeZone)
        out.member(2, "tool_version", toolVersion)
        out.close("}")
        out.dropComma()
        return out.bytes
    }

    /// `2026-11-20T23:00:00.000Z`, as `TimeWindow` writes its instants for people.
    static func utc(_ millis: Int64) -> String { InstantFormat.utc(millis, milliseconds: true) }
}

/// The bytes of a manifest being written. Every member, and every closed object or array, is followed by `,` and a
/// line break; `close` takes back the comma after the last member before it closes.
private struct ManifestJSONWriter {
    var bytes: [UInt8] = []

    mutating func raw(_ text: StaticString) {
        text.withUTF8Buffer { bytes.append(contentsOf: $0) }
    }

    /// `{` or `[` (after `indent` spaces written in `text`), and a line break.
    mutating func open(_ text: StaticString) {
        raw(text)
        bytes.append(0x0A)
    }

    /// Ends the object or array: the last member's comma goes, then `text` (`}` or `]` with its indentation).
    mutating func close(_ text: StaticString) {
        dropComma()
        raw(text)
        next()
    }

    /// Takes back the comma before the final line break (after the last member, or the whole manifest).
    mutating func dropComma() {
        if bytes.count >= 2 && bytes[bytes.count - 2] == UInt8(ascii: ",") { bytes.remove(at: bytes.count - 2) }
    }

    /// `"key": ` after `indent` spaces (keys are plain ASCII: no escaping).
    mutating func key(_ indent: Int, _ name: StaticString) {
        for _ in 0..<indent { bytes.append(UInt8(ascii: " ")) }
        bytes.append(UInt8(ascii: "\""))
        name.withUTF8Buffer { bytes.append(contentsOf: $0) }
        bytes.append(UInt8(ascii: "\""))
        bytes.append(UInt8(ascii: ":"))
        bytes.append(UInt8(ascii: " "))
    }

    /// The comma and line break after a member.
    mutating func next() {
        bytes.append(UInt8(ascii: ","))
        bytes.append(0x0A)
    }

    mutating func member(_ indent: Int, _ name: StaticString, _ text: String) {
        key(indent, name)
        JSONString.append(text, to: &bytes)
        next()
    }

    mutating func member(_ indent: Int, _ name: StaticString, _ value: Int64) {
        key(indent, name)
        InstantFormat.Decimal.append(value, to: &bytes)
        next()
    }

    mutating func member(_ indent: Int, _ name: StaticString, _ value: Bool) {
        key(indent, name)
        raw(value ? "true" : "false")
        next()
    }

    /// `"key": "2026-11-20T23:00:00.000Z"`.
    mutating func member(_ indent: Int, _ name: StaticString, utc millis: Int64) {
        key(indent, name)
        bytes.append(UInt8(ascii: "\""))
        InstantFormat.appendUTC(millis, milliseconds: true, to: &bytes)
        bytes.append(UInt8(ascii: "\""))
        next()
    }
}

extension DatasetManifest.Partition {
    private enum CodingKeys: String, CodingKey {
        case partition, file, window, rows, bytes, sha256, settled
        case uncompressedBytes = "uncompressed_bytes"
        case fileSha256 = "file_sha256"
        case modifiedNs = "modified_ns"
        case exportedAtMs = "exported_at_ms"
        case exportedAt = "exported_at"
    }

    private enum WindowKeys: String, CodingKey {
        case startMs = "start_ms"
        case endMs = "end_ms"
        case start, end
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let window = try container.nestedContainer(keyedBy: WindowKeys.self, forKey: .window)
        self.init(
            partition: try container.decode(String.self, forKey: .partition),
            file: try container.decode(String.self, forKey: .file),
            window: TimeWindow(
                startMs: try window.decode(Int64.self, forKey: .startMs),
                endMs: try window.decode(Int64.self, forKey: .endMs)),
            rows: try container.decode(Int.self, forKey: .rows),
            bytes: try container.decode(Int64.self, forKey: .bytes),
            uncompressedBytes: try container.decode(Int64.self, forKey: .uncompressedBytes),
            sha256: try container.decode(String.self, forKey: .sha256),
            fileSha256: try container.decodeIfPresent(String.self, forKey: .fileSha256),
            modifiedNs: try container.decode(Int64.self, forKey: .modifiedNs),
            exportedAtMs: try container.decode(Int64.self, forKey: .exportedAtMs),
            exportedAt: try container.decode(String.self, forKey: .exportedAt),
            settled: try container.decode(Bool.self, forKey: .settled))
    }

    /// The entry as the manifest writes it (`jsonBytes`), for an encoder that embeds it elsewhere.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(partition, forKey: .partition)
        try container.encode(file, forKey: .file)
        var nested = container.nestedContainer(keyedBy: WindowKeys.self, forKey: .window)
        try nested.encode(window.startMs, forKey: .startMs)
        try nested.encode(window.endMs, forKey: .endMs)
        try nested.encode(DatasetManifest.utc(window.startMs), forKey: .start)
        try nested.encode(DatasetManifest.utc(window.endMs), forKey: .end)
        try container.encode(rows, forKey: .rows)
        try container.encode(bytes, forKey: .bytes)
        try container.encode(uncompressedBytes, forKey: .uncompressedBytes)
        try container.encode(sha256, forKey: .sha256)
        try container.encodeIfPresent(fileSha256, forKey: .fileSha256)
        try container.encode(modifiedNs, forKey: .modifiedNs)
        try container.encode(exportedAtMs, forKey: .exportedAtMs)
        try container.encode(exportedAt, forKey: .exportedAt)
        try container.encode(settled, forKey: .settled)
    }
}

extension DatasetManifest {
    /// A manifest read from its JSON by `JSONReader` (what `DatasetManifestStore` does): the keys `jsonBytes` writes;
    /// unknown keys are skipped, a missing or mistyped one is named with its path.
    /// - Throws: `JSONReader.Failure` for text that is not JSON or a value of the wrong type (with its line and
    ///   column), `ManifestShapeError` for a key that is missing or a value out of range.
    init(json bytes: [UInt8]) throws {
        var reader = JSONReader(bytes)
        var fields = Fields()
        var partitions: [Partition] = []
        try reader.readObject { reader, key in
            switch key {
            case "format_version": fields.formatVersion = Int(try reader.readInteger())
            case "export": fields.export = try reader.readString()
            case "partition_grain": fields.grain = try reader.readString()
            case "time_zone": fields.timeZone = try reader.readString()
            case "compression": fields.compression = try reader.readString()
            case "tool_version": fields.toolVersion = try reader.readString()
            case "partitions":
                try reader.readArray { reader in
                    partitions.append(try Partition(reader: &reader, path: "partitions[\(partitions.count)]"))
                }
            default: try reader.skipValue()
            }
        }
        try reader.end()
        let grainText = try fields.required(fields.grain, "partition_grain")
        guard let grain = PartitionGrain(rawValue: grainText) else {
            throw ManifestShapeError(path: "partition_grain", expected: "day or month, not '\(grainText)'")
        }
        let compressionText = try fields.required(fields.compression, "compression")
        guard let compression = OutputCompression(rawValue: compressionText) else {
            throw ManifestShapeError(path: "compression", expected: "none or gzip, not '\(compressionText)'")
        }
        self.init(
            export: try fields.required(fields.export, "export"), partitionGrain: grain,
            timeZone: try fields.required(fields.timeZone, "time_zone"), compression: compression,
            toolVersion: try fields.required(fields.toolVersion, "tool_version"), partitions: partitions)
        formatVersion = try fields.required(fields.formatVersion, "format_version")
    }

    /// The top-level members as found.
    private struct Fields {
        var formatVersion: Int?
        var export: String?
        var grain: String?
        var timeZone: String?
        var compression: String?
        var toolVersion: String?

        func required<T>(_ value: T?, _ path: String) throws -> T {
            guard let value else { throw ManifestShapeError(path: path, expected: "a value") }
            return value
        }
    }
}

extension DatasetManifest.Partition {
    /// One entry of `partitions`, read from `reader`.
    fileprivate init(reader: inout JSONReader, path: String) throws {
        var partition: String?
        var file: String?
        var startMs: Int64?
        var endMs: Int64?
        var rows: Int64?
        var bytes: Int64?
        var uncompressedBytes: Int64?
        var sha256: String?
        var fileSha256: String?
        var modifiedNs: Int64?
        var exportedAtMs: Int64?
        var exportedAt: String?
        var settled: Bool?
        try reader.readObject { reader, key in
            switch key {
            case "partition": partition = try reader.readString()
            case "file": file = try reader.readString()
            case "window":
                try reader.readObject { reader, key in
                    switch key {
                    case "start_ms": startMs = try reader.readInteger()
                    case "end_ms": endMs = try reader.readInteger()
                    default: try reader.skipValue()
                    }
                }
            case "rows": rows = try reader.readInteger()
            case "bytes": bytes = try reader.readInteger()
            case "uncompressed_bytes": uncompressedBytes = try reader.readInteger()
            case "sha256": sha256 = try reader.readString()
            case "file_sha256": fileSha256 = try reader.readOptionalString()
            case "modified_ns": modifiedNs = try reader.readInteger()
            case "exported_at_ms": exportedAtMs = try reader.readInteger()
            case "exported_at": exportedAt = try reader.readString()
            case "settled": settled = try reader.readBool()
            default: try reader.skipValue()
            }
        }
        func required<T>(_ value: T?, _ key: String) throws -> T {
            guard let value else { throw ManifestShapeError(path: path + "." + key, expected: "a value") }
            return value
        }
        self.init(
            partition: try required(partition, "partition"), file: try required(file, "file"),
            window: TimeWindow(
                startMs: try required(startMs, "window.start_ms"), endMs: try required(endMs, "window.end_ms")),
            rows: Int(try required(rows, "rows")), bytes: try required(bytes, "bytes"),
            uncompressedBytes: try required(uncompressedBytes, "uncompressed_bytes"),
            sha256: try required(sha256, "sha256"), fileSha256: fileSha256,
            modifiedNs: try required(modifiedNs, "modified_ns"),
            exportedAtMs: try required(exportedAtMs, "exported_at_ms"),
            exportedAt: try required(exportedAt, "exported_at"), settled: try required(settled, "settled"))
    }
}

/// JSON that is not a dataset manifest: the key path and what it should hold.
struct ManifestShapeError: Error, CustomStringConvertible {
    var path: String
    var expected: String
    var description: String { "\(path): expected \(expected)" }
}

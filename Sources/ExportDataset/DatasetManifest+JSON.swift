import CSVMerge
import ExportBasics
import ExportSpec

/// The manifest's JSON, written by hand: sorted keys, two-space indentation, one partition after another.
///
/// A nightly run rewrites the manifest of every export, whatever the length of its history; Foundation's encoder
/// (sorted keys, snake_case conversion, an ISO formatter per window) took 0.28 s for 540 partitions in a debug build,
/// this 0.075 s (a quarter, most of the rest being the encoder's own debug code), so the manifest weighs little in a
/// night's cost (`scripts/bench`). `JSONReader` reads it back (`init(json:)`, below), for the same reason.
extension DatasetManifest {
    /// The JSON bytes, final newline included.
    public func jsonBytes() -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(512 + partitions.count * 640)
        func line(_ indent: Int, _ key: String, last: Bool = false, _ value: () -> Void) {
            out.append(contentsOf: repeatElement(UInt8(ascii: " "), count: indent))
            JSONString.append(key, to: &out)
            out.append(contentsOf: ": ".utf8)
            value()
            if !last { out.append(UInt8(ascii: ",")) }
            out.append(0x0A)
        }
        func string(_ text: String) -> () -> Void { { JSONString.append(text, to: &out) } }
        func number<N: BinaryInteger>(_ value: N) -> () -> Void { { out.append(contentsOf: String(value).utf8) } }
        out.append(contentsOf: "{\n".utf8)
        line(2, "compression", string(compression.rawValue))
        line(2, "export", string(export))
        line(2, "format_version", number(formatVersion))
        line(2, "partition_grain", string(partitionGrain.rawValue))
        line(2, "partitions") {
            guard !partitions.isEmpty else { return out.append(contentsOf: "[]".utf8) }
            out.append(contentsOf: "[\n".utf8)
            for (index, entry) in partitions.enumerated() {
                out.append(contentsOf: "    {\n".utf8)
                line(6, "bytes", number(entry.bytes))
                line(6, "exported_at", string(entry.exportedAt))
                line(6, "exported_at_ms", number(entry.exportedAtMs))
                line(6, "file", string(entry.file))
                if let fileSha256 = entry.fileSha256 { line(6, "file_sha256", string(fileSha256)) }
                line(6, "modified_ns", number(entry.modifiedNs))
                line(6, "partition", string(entry.partition))
                line(6, "rows", number(entry.rows))
                line(6, "settled") { out.append(contentsOf: (entry.settled ? "true" : "false").utf8) }
                line(6, "sha256", string(entry.sha256))
                line(6, "uncompressed_bytes", number(entry.uncompressedBytes))
                line(6, "window", last: true) {
                    out.append(contentsOf: "{\n".utf8)
                    line(8, "end", string(Self.utc(entry.window.endMs)))
                    line(8, "end_ms", number(entry.window.endMs))
                    line(8, "start", string(Self.utc(entry.window.startMs)))
                    line(8, "start_ms", last: true, number(entry.window.startMs))
                    out.append(contentsOf: "      }".utf8)
                }
                out.append(contentsOf: (index == partitions.count - 1 ? "    }\n" : "    },\n").utf8)
            }
            out.append(contentsOf: "  ]".utf8)
        }
        line(2, "time_zone", string(timeZone))
        line(2, "tool_version", last: true, string(toolVersion))
        out.append(contentsOf: "}\n".utf8)
        return out
    }

    /// `2026-11-20T23:00:00.000Z`, as `TimeWindow` writes its instants for people.
    static func utc(_ millis: Int64) -> String {
        let parts = LocalDateTimeParts(localMillis: millis)
        return "\(InstantFormat.pad(parts.year, 4))-\(InstantFormat.pad(parts.month, 2))-"
            + "\(InstantFormat.pad(parts.day, 2))T\(InstantFormat.pad(parts.hour, 2)):"
            + "\(InstantFormat.pad(parts.minute, 2)):\(InstantFormat.pad(parts.second, 2))."
            + "\(InstantFormat.pad(parts.millisecond, 3))Z"
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
    /// A manifest read from its JSON by `JSONReader` (what `DatasetManifestStore` does): the same keys as
    /// `jsonBytes` writes; unknown keys are ignored, a missing or mistyped one names its path.
    /// - Throws: `JSONReader.Failure` for text that is not JSON, `ManifestShapeError` for JSON that is not a manifest.
    init(json bytes: [UInt8]) throws {
        let root = ManifestObject(try JSONReader.parse(bytes), path: "the manifest")
        let top = try root.object()
        let grainText = try top.string("partition_grain")
        guard let grain = PartitionGrain(rawValue: grainText) else {
            throw ManifestShapeError(path: "partition_grain", expected: "day or month, not '\(grainText)'")
        }
        let compressionText = try top.string("compression")
        guard let compression = OutputCompression(rawValue: compressionText) else {
            throw ManifestShapeError(path: "compression", expected: "none or gzip, not '\(compressionText)'")
        }
        let partitions = try top.array("partitions").enumerated().map { index, element in
            let entry = try ManifestObject(element, path: "partitions[\(index)]").object()
            let window = try entry.child("window").object()
            return Partition(
                partition: try entry.string("partition"), file: try entry.string("file"),
                window: TimeWindow(startMs: try window.integer("start_ms"), endMs: try window.integer("end_ms")),
                rows: Int(try entry.integer("rows")), bytes: try entry.integer("bytes"),
                uncompressedBytes: try entry.integer("uncompressed_bytes"), sha256: try entry.string("sha256"),
                fileSha256: try entry.optionalString("file_sha256"), modifiedNs: try entry.integer("modified_ns"),
                exportedAtMs: try entry.integer("exported_at_ms"), exportedAt: try entry.string("exported_at"),
                settled: try entry.bool("settled"))
        }
        self.init(
            export: try top.string("export"), partitionGrain: grain, timeZone: try top.string("time_zone"),
            compression: compression, toolVersion: try top.string("tool_version"), partitions: partitions)
        formatVersion = Int(try top.integer("format_version"))
    }
}

/// JSON that is not a dataset manifest: the key path and what it should hold.
struct ManifestShapeError: Error, CustomStringConvertible {
    var path: String
    var expected: String
    var description: String { "\(path): expected \(expected)" }
}

/// A value inside the manifest with its path, for errors that say where.
private struct ManifestObject {
    var value: JSONReader.Value
    var path: String
    var members: [String: JSONReader.Value] = [:]

    init(_ value: JSONReader.Value, path: String) {
        self.value = value
        self.path = path
    }

    func object() throws -> ManifestObject {
        guard case .object(let members) = value else { throw ManifestShapeError(path: path, expected: "an object") }
        var result = self
        result.members = members
        return result
    }

    func child(_ key: String) throws -> ManifestObject {
        guard let value = members[key] else { throw ManifestShapeError(path: name(key), expected: "a value") }
        return ManifestObject(value, path: name(key))
    }

    func string(_ key: String) throws -> String {
        guard let text = try optionalString(key) else {
            throw ManifestShapeError(path: name(key), expected: "a string")
        }
        return text
    }

    func optionalString(_ key: String) throws -> String? {
        switch members[key] {
        case nil, .null: return nil
        case .string(let text): return text
        default: throw ManifestShapeError(path: name(key), expected: "a string")
        }
    }

    func integer(_ key: String) throws -> Int64 {
        guard case .number(let text) = members[key], let number = Int64(text) else {
            throw ManifestShapeError(path: name(key), expected: "a whole number")
        }
        return number
    }

    func bool(_ key: String) throws -> Bool {
        guard case .bool(let flag) = members[key] else {
            throw ManifestShapeError(path: name(key), expected: "true or false")
        }
        return flag
    }

    func array(_ key: String) throws -> [JSONReader.Value] {
        guard case .array(let elements) = members[key] else {
            throw ManifestShapeError(path: name(key), expected: "an array")
        }
        return elements
    }

    private func name(_ key: String) -> String { path == "the manifest" ? key : path + "." + key }
}

import CSVMerge
import ExportBasics

/// The manifest's JSON, written by hand: sorted keys, two-space indentation, one partition after another.
///
/// A nightly run rewrites the manifest of every export, whatever the length of its history; Foundation's encoder
/// (sorted keys, snake_case conversion, an ISO formatter per window) took 0.28 s for 540 partitions in a debug build,
/// this 0.075 s (a quarter, most of the rest being the encoder's own debug code), so the manifest weighs little in a
/// night's cost (`scripts/bench`). `JSONDecoder` reads it.
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

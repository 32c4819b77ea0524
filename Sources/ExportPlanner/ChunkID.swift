import AnalyticsAPI
import Crypto

/// Stable chunk ids: the first 16 hex digits of SHA-256 over the export type and the query parameters as sent.
///
/// The parameters include `startTime` and `endTime`, so the id covers the window; they do not include the
/// export's name or its position in the spec, so renaming or reordering exports keeps every id (and the journal
/// entries keyed by it), while any change to what is sent changes it.
public enum ChunkID {
    /// Bumped if the canonical form ever changes, so old journals do not match new plans by accident.
    static let version = "exportpipe-chunk-v1"

    public static func make(for request: ExportRequest) -> String {
        var canonical = version + "\n" + request.type.rawValue + "\n"
        // Percent-encoded `name=value&…` is unambiguous: `=` and `&` inside values are escaped.
        canonical += PercentEncoding.encodeQuery(request.queryItems)
        let digest = SHA256.hash(data: Array(canonical.utf8))
        let hex = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(16)
        for byte in digest.prefix(8) {
            out.append(hex[Int(byte >> 4)])
            out.append(hex[Int(byte & 0x0F)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}

import AnalyticsAPI
import Crypto
import ExportBasics

/// Stable chunk ids: the first 16 hex digits of SHA-256 over the export type and the query parameters as sent.
///
/// The parameters include `startTime` and `endTime`, so the id covers the window; they do not include the
/// export's name or its position in the spec, so renaming or reordering exports keeps every id (and the journal
/// entries keyed by it), while any change to what is sent changes it.
public enum ChunkID {
    /// Bumped if the canonical form ever changes, so old journals do not match new plans by accident.
    static let version = "exportpipe-chunk-v1"

    public static func make(for request: ExportRequest) -> String {
        let rest = PercentEncoding.encodeQuery(Array(request.queryItems.dropFirst(2)))
        return make(type: request.type, start: request.startTime, end: request.endTime, encodedRest: rest)
    }

    /// The same id from its parts: `encodedRest` is the percent-encoded query after `startTime` and `endTime`
    /// (which `ExportRequest.queryItems` always puts first). The planner computes it once per filter combination
    /// instead of once per chunk.
    static func make(type: ExportType, start: Int64, end: Int64, encodedRest: String) -> String {
        // Percent-encoded `name=value&…` is unambiguous: `=` and `&` inside values are escaped.
        var canonical: [UInt8] = []
        canonical.reserveCapacity(64 + encodedRest.utf8.count)
        canonical += version.utf8
        canonical.append(UInt8(ascii: "\n"))
        canonical += type.rawValue.utf8
        canonical.append(UInt8(ascii: "\n"))
        canonical += "startTime=".utf8
        appendDecimal(start, to: &canonical)
        canonical += "&endTime=".utf8
        appendDecimal(end, to: &canonical)
        if !encodedRest.isEmpty {
            canonical.append(UInt8(ascii: "&"))
            canonical += encodedRest.utf8
        }
        return Hex.encode(SHA256.hash(data: canonical).prefix(8))
    }

    /// `String(value)`'s digits, appended without building a `String` (this runs twice per chunk).
    static func appendDecimal(_ value: Int64, to bytes: inout [UInt8]) {
        if value < 0 { bytes.append(UInt8(ascii: "-")) }
        var magnitude = value.magnitude
        var digits:
            (
                UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8,
                UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8
            ) = (
                0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0
            )
        var count = 0
        withUnsafeMutableBytes(of: &digits) { buffer in
            repeat {
                buffer[count] = UInt8(ascii: "0") + UInt8(magnitude % 10)
                magnitude /= 10
                count += 1
            } while magnitude > 0
            for index in stride(from: count - 1, through: 0, by: -1) { bytes.append(buffer[index]) }
        }
    }
}

import ExportBasics
import Foundation

/// A time window in epoch milliseconds, as a chunk or an export covers it.
///
/// Encoded with the milliseconds and, for people reading a manifest, the same instants in ISO 8601 (UTC).
public struct TimeWindow: Codable, Sendable, Hashable {
    public var startMs: Int64
    public var endMs: Int64

    public init(startMs: Int64, endMs: Int64) {
        self.startMs = startMs
        self.endMs = endMs
    }

    private enum CodingKeys: String, CodingKey {
        // Plain names: the manifest's encoder turns them into snake_case (`start_ms`).
        case startMs
        case endMs
        case start
        case end
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        startMs = try container.decode(Int64.self, forKey: .startMs)
        endMs = try container.decode(Int64.self, forKey: .endMs)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(startMs, forKey: .startMs)
        try container.encode(endMs, forKey: .endMs)
        try container.encode(Self.iso(startMs), forKey: .start)
        try container.encode(Self.iso(endMs), forKey: .end)
    }

    static func iso(_ milliseconds: Int64) -> String { InstantFormat.utc(milliseconds, milliseconds: true) }
}

import AnalyticsAPI

/// One filter value a chunk was fanned out on (e.g. team 12 under `split_by: team`).
public struct FanOutValue: Sendable, Codable, Hashable, CustomStringConvertible {
    public var filter: FilterKind
    public var value: Int64

    public init(filter: FilterKind, value: Int64) {
        self.filter = filter
        self.value = value
    }

    /// `team=12`
    public var description: String { "\(filter.singularName)=\(value)" }
}

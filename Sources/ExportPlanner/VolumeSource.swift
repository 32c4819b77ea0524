/// Where a volume estimate came from.
public enum VolumeSource: String, Sendable, Codable, Hashable {
    /// Rows per day measured in earlier runs (the executor's volume hints).
    case learned
    /// `expected_rows_per_day:` in the spec.
    case spec
    /// The catalog's default for the export type.
    case typeDefault = "type_default"

    public var text: String {
        switch self {
        case .learned: "learned from earlier runs"
        case .spec: "expected_rows_per_day"
        case .typeDefault: "default for the export type"
        }
    }
}

/// Why a load failed: what went wrong and what to do. Never holds a password.
public struct WarehouseError: Error, Sendable, Hashable, CustomStringConvertible {
    public enum Kind: String, Sendable, Hashable {
        /// The destination's settings cannot be used (URL, schema, password variable).
        case configuration
        /// The database cannot be reached, or refused a statement.
        case database
        /// The partition file cannot be read as CSV.
        case file
        /// The partition's columns break the export's pinned `columns:`, or collide.
        case columns
        /// A value does not fit its column's type.
        case value
    }

    public var kind: Kind
    public var message: String

    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    public var description: String { message }

    static func configuration(_ message: String) -> WarehouseError { WarehouseError(.configuration, message) }
    static func database(_ message: String) -> WarehouseError { WarehouseError(.database, message) }
}

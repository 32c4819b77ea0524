import Foundation

/// A failure of the coordinator, with text for the person reading it.
public struct CoordinationError: Error, Sendable, Equatable, CustomStringConvertible {
    enum Kind: Sendable, Equatable {
        case invalidLimits, leaseLost, store, configuration
    }
    let kind: Kind
    public let message: String

    init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    /// A limit is out of range.
    public static func invalidLimits(_ message: String) -> Self { Self(.invalidLimits, message) }
    /// The lease is no longer held (it expired and its slots were freed).
    public static func leaseLost(_ message: String) -> Self { Self(.leaseLost, message) }
    /// The store (SQLite file, PostgreSQL database) cannot be used.
    public static func store(_ message: String) -> Self { Self(.store, message) }
    /// The coordinator's setting (URL, password) is not usable.
    public static func configuration(_ message: String) -> Self { Self(.configuration, message) }

    public var isLeaseLost: Bool { kind == .leaseLost }

    public var description: String { message }
}

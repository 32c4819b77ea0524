/// A failure of the executor itself (not of one chunk), with text for the person reading it.
public struct ExecutorError: Error, Sendable, Equatable, CustomStringConvertible {
    enum Kind: Sendable, Equatable {
        case journal
        case credentials
        case stateDirectory
        case unauthorized
        case coordination
    }
    let kind: Kind
    public let message: String

    init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    /// The journal could not be read or written.
    public static func journal(_ message: String) -> Self { Self(.journal, message) }
    /// A password could not be found.
    public static func credentials(_ message: String) -> Self { Self(.credentials, message) }
    /// The state or output directory is not usable.
    public static func stateDirectory(_ message: String) -> Self { Self(.stateDirectory, message) }
    /// The API refused our credentials: nothing can succeed until they are fixed.
    public static func unauthorized(_ message: String) -> Self { Self(.unauthorized, message) }

    /// The coordinator's store (the company's shared slots) cannot be used: nothing is submitted without it.
    public static func coordination(_ message: String) -> Self { Self(.coordination, message) }

    /// Whether the API refused the credentials or the company key (the run stops; nothing else can succeed).
    public var isRefusedCredentials: Bool { kind == .unauthorized }

    public var description: String { message }
}

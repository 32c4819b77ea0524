/// Why a `${VAR}` reference could not be resolved when running. Never holds a variable's value.
public struct InterpolationError: Error, Sendable, Hashable, CustomStringConvertible {
    private enum Kind: Sendable, Hashable {
        case unset(String)
        case empty(String)
        case syntax(String)
    }

    private let kind: Kind
    /// Where the reference is written in the spec.
    public let location: SourceLocation

    /// The environment variable `name` is not set.
    public static func unset(_ name: String, at location: SourceLocation) -> InterpolationError {
        InterpolationError(kind: .unset(name), location: location)
    }

    /// The environment variable `name` is set to the empty string.
    public static func empty(_ name: String, at location: SourceLocation) -> InterpolationError {
        InterpolationError(kind: .empty(name), location: location)
    }

    /// The reference is malformed (`validate` reports these before any run).
    public static func syntax(_ message: String, at location: SourceLocation) -> InterpolationError {
        InterpolationError(kind: .syntax(message), location: location)
    }

    /// The variable the error is about, when it is about one.
    public var variable: String? {
        switch kind {
        case .unset(let name), .empty(let name): name
        case .syntax: nil
        }
    }

    public var description: String {
        switch kind {
        case .unset(let name):
            "\(location): error: the environment variable '\(name)' is not set; the spec uses it here (export it before running, e.g. export \(name)=…)"
        case .empty(let name):
            "\(location): error: the environment variable '\(name)' is empty; the spec uses it here (give it a value before running)"
        case .syntax(let message):
            "\(location): error: \(message); write a reference as ${NAME}"
        }
    }
}

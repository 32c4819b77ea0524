import AnalyticsAPI
import Foundation

/// `run.coordinator` (or `EXPORTPIPE_COORDINATOR`, or `--coordinator`): where the company's queue slots are shared.
public enum CoordinatorSetting: Sendable, Hashable, CustomStringConvertible {
    /// An SQLite database under the user's state home: every run on this machine shares the limits (the default).
    case embedded
    /// This run alone (its own limits, shared with nothing).
    case none
    /// A PostgreSQL database shared by runners on several machines; the password comes from the variable
    /// `run.coordinator_password_env` names, else `PGPASSWORD`.
    case postgres(url: String)

    /// Reads `embedded`, `none` or a `postgres://` URL; the error says why not.
    ///
    /// - Parameter passwordAllowed: whether the URL may carry its password (`postgres://user:secret@host/db`): only
    ///   a URL read from the environment (`EXPORTPIPE_COORDINATOR`, like `DATABASE_URL` elsewhere) may; one written
    ///   in a spec or on a command line (shell histories, process lists) may not.
    public static func parse(_ text: String, passwordAllowed: Bool = false)
        -> Result<CoordinatorSetting, CoordinatorSettingError>
    {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        switch trimmed.lowercased() {
        case "embedded": return .success(.embedded)
        case "none": return .success(.none)
        default: break
        }
        guard let components = URLComponents(string: trimmed),
            ["postgres", "postgresql"].contains(components.scheme?.lowercased() ?? ""),
            let host = components.host, !host.isEmpty
        else {
            return .failure(
                CoordinatorSettingError(
                    "the coordinator '\(trimmed.contains("@") ? "<a URL>" : trimmed)' is not embedded, none or a "
                        + "postgres://user@host:5432/database URL"))
        }
        guard components.password == nil || passwordAllowed else {
            // Never echo it: it holds a credential.
            return .failure(
                CoordinatorSettingError(
                    "the coordinator URL contains a password; remove it and set PGPASSWORD where the pipeline runs "
                        + "(or give the whole URL in the environment variable EXPORTPIPE_COORDINATOR)"))
        }
        return .success(.postgres(url: trimmed))
    }

    public var description: String {
        switch self {
        case .embedded: "embedded"
        case .none: "none"
        case .postgres(let url): Redaction.redact(url)
        }
    }
}

/// Why a coordinator setting cannot be used.
public struct CoordinatorSettingError: Error, Sendable, Hashable, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

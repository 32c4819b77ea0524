import ExportCoordination
import Foundation
import PostgresNIO

/// Where a dataset is loaded: a PostgreSQL database (the coordinator's URL rules: `postgres://user@host:5432/db`,
/// `sslmode=require` for TLS through NIOSSL, the password from `password_env` else `PGPASSWORD`) and the schema
/// its tables go in.
public struct WarehouseSettings: Sendable {
    /// The connection, parsed by the one URL parser the coordinator uses too.
    public var connection: PostgresSettings
    /// The schema of the export tables and the bookkeeping (`output.load.schema`, default `public`).
    public var schema: String
    /// How long connecting (and preparing the schema, which waits for another migrator of the same schema) may take
    /// before the load fails: 2 minutes, generous for a nightly batch on a busy machine (the test suite's first
    /// minute on two cores kept a 30-second deadline from being met; `status` asks with 10 s).
    public var connectTimeout: TimeInterval = 120

    /// The schema names the loader accepts: lowercase letters, digits and `_`, like the coordinator's.
    public static func isValidSchema(_ name: String) -> Bool {
        name.range(of: "^[a-z_][a-z0-9_]{0,50}$", options: .regularExpression) != nil
    }

    /// Reads `url` (already resolved from `${VAR}`), `schema` and the password.
    /// - Parameters:
    ///   - passwordVariable: `output.load.password_env`: the variable holding the password (must be set), else
    ///     `PGPASSWORD` is used when set.
    /// - Throws: `WarehouseError.configuration` for a URL that is not `postgres://user@host[:port]/db`, a schema
    ///   that is not a plain lowercase name, or a `password_env` that is not set. The message never holds the
    ///   password.
    public init(
        url: String, schema: String? = nil, passwordVariable: String? = nil,
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws {
        var password: String?
        if let passwordVariable {
            guard let value = environment[passwordVariable], !value.isEmpty else {
                throw WarehouseError.configuration(
                    "output.load.password_env names \(passwordVariable), which is not set where this runs: set it "
                        + "to the database password (or remove the key to use PGPASSWORD)")
            }
            password = value
        }
        do {
            connection = try PostgresSettings(url: url, password: password, environment: environment)
        } catch let error as CoordinationError {
            throw WarehouseError.configuration(
                "output.load.postgres: "
                    + error.message.replacingOccurrences(of: "the coordinator's", with: "the destination's")
                    .replacingOccurrences(of: "the coordinator", with: "the destination"))
        }
        let schema = schema ?? "public"
        guard Self.isValidSchema(schema) else {
            throw WarehouseError.configuration(
                "output.load.schema \(schema) must be lowercase letters, digits and '_' (at most 51), e.g. analytics")
        }
        self.schema = schema
        connection.schema = schema
    }

    /// The destination as it may be printed: no password, ever.
    public var redacted: String { connection.redacted }
}

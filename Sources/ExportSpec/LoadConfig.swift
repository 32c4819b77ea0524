/// `output.load`: the PostgreSQL database a dataset's partitions are loaded into (docs/warehouse.md).
public struct LoadConfig: Sendable, Hashable {
    /// `postgres:` — `postgres://user@host:5432/db` or a `${VAR}` reference. A URL written in the spec never holds
    /// a password; one from the environment may.
    public var postgres: Interpolated
    /// `schema:` — where the export tables and the bookkeeping go; `nil` means `public`.
    public var schema: String?
    /// `password_env:` — the environment variable holding the password (else `PGPASSWORD`). Never the password.
    public var passwordEnv: String?
    public var location: SourceLocation

    public init(postgres: Interpolated, schema: String? = nil, passwordEnv: String? = nil, location: SourceLocation) {
        self.postgres = postgres
        self.schema = schema
        self.passwordEnv = passwordEnv
        self.location = location
    }
}

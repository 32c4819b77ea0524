extension SpecVocabulary {
    /// `output.load`: the PostgreSQL destination of a dataset.
    public static let load: [SpecField] = [
        SpecField(
            "postgres", interpolated,
            "postgres://user@host:5432/db (sslmode=require for TLS) or a ${VAR} reference; a URL written here never "
                + "holds a password (one from the environment may)."),
        SpecField(
            "schema",
            .object([("type", .string("string")), ("pattern", .string("^[a-z_][a-z0-9_]{0,50}$"))]),
            "Where the export tables and the load bookkeeping go (default public)."),
        SpecField(
            "password_env", .object([("type", .string("string")), ("pattern", .string(envNamePattern))]),
            "The environment variable holding the database password (default: PGPASSWORD). The name, never the "
                + "password."),
    ]
}

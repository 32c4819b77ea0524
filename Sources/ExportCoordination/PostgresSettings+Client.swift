import PostgresNIO

extension PostgresSettings {
    /// The postgres-nio configuration these settings describe, password and TLS included, for other targets that
    /// connect with the same settings (the warehouse loader). Never print it: it holds the password.
    public var clientConfiguration: PostgresClient.Configuration {
        PostgresClient.Configuration(
            host: host, port: port, username: username, password: password, database: database, tls: tls)
    }

    /// Whether a password was found (the URL's own, `password_env` or `PGPASSWORD`); the password itself stays
    /// inside.
    public var hasPassword: Bool { password != nil }
}

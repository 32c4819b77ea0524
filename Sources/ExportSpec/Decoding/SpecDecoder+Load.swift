import Foundation

/// `output.load`.
extension SpecDecoder {
    mutating func decodeLoad(_ node: YAMLNode, keyNode: YAMLNode?) -> LoadConfig? {
        guard let section = section(node, keyNode: keyNode, path: "output.load", fields: SpecVocabulary.load) else {
            return nil
        }
        var ok = true
        var url: Interpolated?
        if let value = section.value("postgres") {
            url = interpolated(value, "output.load.postgres")
            if let written = url, !written.isInterpolated { ok = checkLoadURL(written.raw, value) && ok }
        } else {
            missing(
                "postgres", in: section,
                fix: "add 'postgres: postgres://loader@db.example.com:5432/analytics' (or a ${VAR} reference)")
        }
        var schema: String?
        if let value = section.value("schema"), let text = string(value, "output.load.schema") {
            if text.range(of: "^[a-z_][a-z0-9_]{0,50}$", options: .regularExpression) != nil {
                schema = text
            } else {
                error(
                    value, "output.load.schema '\(text)' must be lowercase letters, digits and '_' (at most 51)",
                    fix: "e.g. 'schema: analytics'; the default is public")
                ok = false
            }
        }
        var passwordEnv: String?
        if let value = section.value("password_env"), let name = string(value, "output.load.password_env") {
            if Interpolated.isValidName(name) {
                passwordEnv = name
            } else {
                // The value may be a password pasted in the wrong place: do not echo it.
                error(
                    value, "output.load.password_env must name an environment variable (letters, digits and '_')",
                    fix: "write the variable's name, e.g. 'password_env: WAREHOUSE_PASSWORD', never the password")
                ok = false
            }
        }
        guard ok, let url else { return nil }
        return LoadConfig(postgres: url, schema: schema, passwordEnv: passwordEnv, location: location(node))
    }

    /// A URL written in the spec: `postgres://user@host[:port]/db`, without a password (never echoed).
    private mutating func checkLoadURL(_ text: String, _ node: YAMLNode) -> Bool {
        guard let components = URLComponents(string: text),
            ["postgres", "postgresql"].contains(components.scheme?.lowercased() ?? ""),
            let host = components.host, !host.isEmpty
        else {
            error(
                node,
                "output.load.postgres '\(text.contains("@") ? "<a URL>" : text)' is not a postgres://user@host:5432/db URL",
                fix: "e.g. 'postgres: postgres://loader@db.example.com:5432/analytics'")
            return false
        }
        guard components.password == nil else {
            error(
                node, "output.load.postgres holds a password, and a password never goes in a spec",
                fix: "remove it from the URL and set PGPASSWORD (or the variable password_env names) where the "
                    + "pipeline runs, or put the whole URL in a variable: 'postgres: ${WAREHOUSE_URL}'")
            return false
        }
        return true
    }
}

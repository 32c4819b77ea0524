import Foundation

/// `api:` — base URL, company key and users; secrets never inline.
extension SpecDecoder {
    mutating func decodeAPI(_ node: YAMLNode, keyNode: YAMLNode?) -> APIConfig? {
        guard let section = section(node, keyNode: keyNode, path: "api", fields: SpecVocabulary.api) else {
            return nil
        }
        var baseURL: Interpolated?
        if let value = section.value("base_url") {
            baseURL = interpolated(value, "api.base_url")
            if let url = baseURL, url.raw != "simulator", !url.isInterpolated { checkURL(url.raw, value) }
        } else {
            missing(
                "base_url", in: section,
                fix:
                    "write 'base_url: simulator' to try it locally, or the API host, e.g. https://analytics-api.app.lithium.com"
            )
        }
        let usesSimulator = baseURL?.raw == "simulator"
        var companyKey: Interpolated?
        if let value = section.value("company_key") {
            companyKey = interpolated(value, "api.company_key")
            if let key = companyKey, !key.isInterpolated, !usesSimulator {
                warning(
                    value, "api.company_key is written in the file; a company key is a secret",
                    fix: "write 'company_key: ${ANALYTICS_COMPANY_KEY}' and set that variable where the pipeline runs")
            }
        } else {
            missing("company_key", in: section, fix: "write 'company_key: ${ANALYTICS_COMPANY_KEY}'")
        }
        var users: [APIUser] = []
        if let value = section.value("users") {
            users = decodeUsers(value)
        } else {
            missing(
                "users", in: section,
                fix:
                    "list at least one user: 'users: [{ username: ${ANALYTICS_USER}, password_env: ANALYTICS_PASSWORD }]'"
            )
        }
        var limits = CompanyLimits()
        if let value = section.value("limits"),
            let sub = self.section(
                value, keyNode: section.key("limits"), path: "api.limits", fields: SpecVocabulary.limits)
        {
            if let node = sub.value("running_per_company"),
                let number = integer(node, "api.limits.running_per_company", in: 1...1_000)
            {
                limits.runningPerCompany = Int(number)
            }
            if let node = sub.value("queued_per_company"),
                let number = integer(node, "api.limits.queued_per_company", in: 1...10_000)
            {
                limits.queuedPerCompany = Int(number)
            }
            if limits.queuedPerCompany < limits.runningPerCompany {
                error(
                    value,
                    "api.limits.queued_per_company \(limits.queuedPerCompany) is below running_per_company "
                        + "\(limits.runningPerCompany): running exports count as queued",
                    fix: "the documented limits are running_per_company: 4, queued_per_company: 50")
            }
        }
        guard let baseURL, let companyKey, !users.isEmpty else { return nil }
        return APIConfig(baseURL: baseURL, companyKey: companyKey, users: users, limits: limits)
    }

    private mutating func checkURL(_ text: String, _ node: YAMLNode) {
        let shape = "write 'simulator', an http(s) URL such as https://analytics-api.app.lithium.com, or ${VAR}"
        guard let components = URLComponents(string: text), let scheme = components.scheme?.lowercased() else {
            error(node, "api.base_url '\(text)' is not a URL", fix: shape)
            return
        }
        guard scheme == "https" || scheme == "http", let host = components.host, !host.isEmpty else {
            error(node, "api.base_url '\(text)' is not an http(s) URL with a host", fix: shape)
            return
        }
        if components.user != nil || components.password != nil {
            // Never echo the URL: it holds a credential.
            error(
                node, "api.base_url contains a user name or password",
                fix: "remove them from the URL; credentials go in api.users with password_env")
            return
        }
        if components.query != nil || components.fragment != nil {
            error(
                node, "api.base_url '\(text)' has a query or fragment",
                fix: "give only the scheme and host, e.g. https://analytics-api.app.lithium.com")
            return
        }
        let loopback = ["localhost", "127.0.0.1", "::1", "[::1]"].contains(host.lowercased())
        if scheme == "http" && !loopback {
            warning(
                node, "api.base_url uses http: passwords and the company key would cross the network unencrypted",
                fix: "use https")
        }
    }

    private mutating func decodeUsers(_ node: YAMLNode) -> [APIUser] {
        guard let items = node.sequence else {
            error(
                node, "api.users must be a list of users, got \(Self.describe(node))",
                fix: "write '- username: …' entries, each with password_env")
            return []
        }
        guard !items.isEmpty else {
            error(node, "api.users is an empty list", fix: "list at least one user with username and password_env")
            return []
        }
        var users: [APIUser] = []
        var seen: [String: YAMLNode] = [:]
        for (index, item) in items.enumerated() {
            // Names are compared as written, so a repeat is reported even when the entry has other errors.
            if let name = item["username"]?.scalar?.value, !name.isEmpty {
                if let first = seen[name] {
                    error(
                        item, "user '\(name)' is listed twice in api.users (first at line \(first.line))",
                        fix: "each user has one queue; list each user once")
                } else {
                    seen[name] = item
                }
            }
            if let user = decodeUser(item, path: "api.users[\(index)]") { users.append(user) }
        }
        return users.count == items.count ? users : []
    }

    private mutating func decodeUser(_ node: YAMLNode, path: String) -> APIUser? {
        let inline = (
            message: "a password must not be written in the spec (\(path).password)",
            fix: "put it in an environment variable and write 'password_env: NAME' (or 'password_file: PATH')"
        )
        guard
            let section = section(
                node, keyNode: nil, path: path, fields: SpecVocabulary.user, special: ["password": inline])
        else { return nil }
        var username: Interpolated?
        if let value = section.value("username") {
            username = interpolated(value, "\(path).username")
        } else {
            missing("username", in: section, fix: "write 'username: ${ANALYTICS_USER}'")
        }
        var password: APIUser.PasswordSource?
        let envNode = section.value("password_env")
        let fileNode = section.value("password_file")
        if envNode != nil, let fileKey = section.key("password_file") {
            error(fileKey, "\(path) has both password_env and password_file", fix: "keep one of them")
        } else if let envNode {
            password = passwordEnvironment(envNode, path: path)
        } else if let fileNode {
            password = string(fileNode, "\(path).password_file").map(APIUser.PasswordSource.file)
        } else if section.node.mapping?.contains(where: { $0.key.scalar?.value == "password" }) != true {
            missing(
                "password_env", in: section,
                fix: "write 'password_env: NAME' naming the variable that holds the password")
        }
        guard let username, let password else { return nil }
        return APIUser(username: username, password: password, location: location(node))
    }

    private mutating func passwordEnvironment(_ node: YAMLNode, path: String) -> APIUser.PasswordSource? {
        guard let name = string(node, "\(path).password_env") else { return nil }
        if name.hasPrefix("${"), name.hasSuffix("}"), Interpolated.isValidName(String(name.dropFirst(2).dropLast())) {
            let bare = String(name.dropFirst(2).dropLast())
            error(
                node, "\(path).password_env takes the variable's name, not a reference to it",
                fix: "write 'password_env: \(bare)'")
            return nil
        }
        guard Interpolated.isValidName(name) else {
            // The value may be a password pasted in the wrong place: do not echo it.
            error(
                node, "\(path).password_env must name an environment variable (letters, digits and '_')",
                fix: "write the variable's name, e.g. 'password_env: ANALYTICS_PASSWORD', never the password")
            return nil
        }
        return .environment(name)
    }
}

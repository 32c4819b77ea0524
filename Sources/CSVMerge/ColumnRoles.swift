import AnalyticsAPI

/// Header names compared as people write them: `Created Time`, `created_time`, `CREATED_TIME` and `created-time`
/// are one column.
public enum ColumnName {
    /// `name` lowercased with everything but letters and digits removed (a leading byte-order mark too).
    public static func normalized(_ name: String) -> String {
        var result = ""
        result.reserveCapacity(name.utf8.count)
        for scalar in name.unicodeScalars where scalar.properties.isAlphabetic || ("0"..."9").contains(scalar) {
            result.unicodeScalars.append(contentsOf: String(scalar).lowercased().unicodeScalars)
        }
        return result
    }

    /// The first column of `header` that matches one of `candidates` after normalising both; candidates are tried
    /// in order, so an exact id wins over a looser label.
    public static func find(_ candidates: [String], in header: [String]) -> String? {
        let normalizedHeader = header.map(normalized)
        for candidate in candidates {
            let wanted = normalized(candidate)
            guard !wanted.isEmpty else { continue }
            if let index = normalizedHeader.firstIndex(of: wanted) { return header[index] }
        }
        return nil
    }
}

/// A pipeline's own names for the roles (`merge:` in the spec), for headers no candidate matches.
public struct ColumnRoleOverride: Sendable, Hashable {
    public var time: String?
    public var id: String?
    public var key: [String]?

    public init(time: String? = nil, id: String? = nil, key: [String]? = nil) {
        self.time = time
        self.id = id
        self.key = key
    }

    public var isEmpty: Bool { time == nil && id == nil && key == nil }
}

/// Which header column serves which role, as resolved from an export's first chunk header (recorded in the
/// manifest as `column_roles`).
public struct ResolvedColumnRoles: Codable, Sendable, Hashable {
    /// The time column, or `nil` when none was found (groups are then concatenated in window order).
    public var time: String?
    /// The id column, or `nil` when none was found (ties keep file order).
    public var id: String?
    /// The de-duplication key columns, or `nil` when rows are compared whole.
    public var key: [String]?

    public init(time: String? = nil, id: String? = nil, key: [String]? = nil) {
        self.time = time
        self.id = id
        self.key = key
    }

    /// Resolves `candidates` (and the spec's `override`, tried first) against `header`.
    /// - Returns: the roles found and one sentence per role that was wanted but not found.
    public static func resolve(
        header: [String], candidates: ColumnRoleNames, override: ColumnRoleOverride = ColumnRoleOverride()
    ) -> (roles: ResolvedColumnRoles, missing: [String]) {
        var roles = ResolvedColumnRoles()
        var missing: [String] = []
        func quoted(_ names: [String]) -> String { names.map { "\"\($0)\"" }.joined(separator: ", ") }
        func pick(_ role: String, _ override: String?, _ candidates: [String]) -> String? {
            if let override {
                if let found = ColumnName.find([override], in: header) { return found }
                missing.append("the spec's merge.\(role) \"\(override)\" is not in the header")
            }
            guard !candidates.isEmpty else { return nil }
            if let found = ColumnName.find(candidates, in: header) { return found }
            if override == nil { missing.append("no \(role) (looked for \(quoted(candidates)))") }
            return nil
        }
        roles.time = pick("time_column", override.time, candidates.time)
        roles.id = pick("id_column", override.id, candidates.id)
        if let keys = override.key, !keys.isEmpty {
            let found = keys.compactMap { ColumnName.find([$0], in: header) }
            if found.count == keys.count {
                roles.key = found
                return (roles, missing)
            }
            missing.append("the spec's merge.key \(quoted(keys)) is not all in the header")
        }
        if !candidates.key.isEmpty {
            let found = candidates.key.map { ColumnName.find($0, in: header) }
            if found.allSatisfy({ $0 != nil }) {
                roles.key = found.compactMap { $0 }
            } else if override.key == nil {
                missing.append("no de-duplication key (looked for \(quoted(candidates.key.map { $0.first ?? "" })))")
            }
        }
        return (roles, missing)
    }
}

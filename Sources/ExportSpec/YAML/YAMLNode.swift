/// A node of a parsed YAML document, with the 1-based line and column where it starts.
///
/// Aliases are resolved while composing: an alias becomes a copy of the anchored node (sharing storage), marked
/// at the alias, so the tree has no reference cycles and later stages never see an alias.
public struct YAMLNode: Sendable, Hashable {
    /// What the node holds.
    public enum Content: Sendable, Hashable {
        case scalar(YAMLScalar)
        case sequence([YAMLNode])
        case mapping([YAMLPair])
    }

    public var content: Content
    /// 1-based line of the node's first character.
    public var line: Int
    /// 1-based column (Unicode scalars) of the node's first character.
    public var column: Int
    /// The explicit tag, e.g. `tag:yaml.org,2002:str` for `!!str`; nil when the node has none.
    public var tag: String?

    public init(_ content: Content, line: Int, column: Int, tag: String? = nil) {
        self.content = content
        self.line = line
        self.column = column
        self.tag = tag
    }

    /// The scalar, when the node is one.
    public var scalar: YAMLScalar? {
        if case .scalar(let scalar) = content { return scalar }
        return nil
    }

    /// The items, when the node is a sequence.
    public var sequence: [YAMLNode]? {
        if case .sequence(let items) = content { return items }
        return nil
    }

    /// The key/value pairs in document order, when the node is a mapping.
    public var mapping: [YAMLPair]? {
        if case .mapping(let pairs) = content { return pairs }
        return nil
    }

    /// The value of the first pair whose key is the scalar `key` (mappings only).
    public subscript(key: String) -> YAMLNode? {
        mapping?.first { $0.key.scalar?.value == key }?.value
    }
}

/// One `key: value` entry of a mapping.
public struct YAMLPair: Sendable, Hashable {
    public var key: YAMLNode
    public var value: YAMLNode

    public init(key: YAMLNode, value: YAMLNode) {
        self.key = key
        self.value = value
    }
}

/// A scalar's text, how it was written, and what it resolves to under the YAML 1.2 core schema.
public struct YAMLScalar: Sendable, Hashable {
    /// How the scalar was written; quoted and block scalars are always strings.
    public enum Style: String, Sendable, Hashable {
        case plain
        case singleQuoted = "single-quoted"
        case doubleQuoted = "double-quoted"
        case literal
        case folded
    }

    /// The core-schema type of a scalar.
    public enum Resolved: Sendable, Hashable {
        case null
        case bool(Bool)
        case int(Int64)
        case float(Double)
        case string(String)
    }

    public var value: String
    public var style: Style
    /// The explicit tag (`!!str` → `tag:yaml.org,2002:str`), nil when none was written.
    public var tag: String?

    public init(_ value: String, style: Style = .plain, tag: String? = nil) {
        self.value = value
        self.style = style
        self.tag = tag
    }

    static let tagPrefix = "tag:yaml.org,2002:"

    /// The value under the YAML 1.2 core schema: only plain, untagged scalars are typed implicitly
    /// (`yes`/`no` stay strings, as in YAML 1.2); an explicit `!!str`, `!!int`, … tag wins.
    public var resolved: Resolved {
        let str = Self.tagPrefix + "str"
        let null = Self.tagPrefix + "null"
        let bool = Self.tagPrefix + "bool"
        let int = Self.tagPrefix + "int"
        let float = Self.tagPrefix + "float"
        switch tag {
        case str?: return .string(value)
        case null?: return .null
        case bool?: return Self.bool(value).map(Resolved.bool) ?? .string(value)
        case int?: return Self.int(value).map(Resolved.int) ?? .string(value)
        case float?: return Self.float(value).map(Resolved.float) ?? .string(value)
        case nil, "!"?: break
        default: return .string(value)
        }
        guard style == .plain, tag == nil else { return .string(value) }
        if ["", "~", "null", "Null", "NULL"].contains(value) { return .null }
        if let bool = Self.bool(value) { return .bool(bool) }
        if let int = Self.int(value) { return .int(int) }
        if let float = Self.float(value) { return .float(float) }
        return .string(value)
    }

    private static func bool(_ text: String) -> Bool? {
        switch text {
        case "true", "True", "TRUE": true
        case "false", "False", "FALSE": false
        default: nil
        }
    }

    private static func int(_ text: String) -> Int64? {
        var body = Substring(text)
        var negative = false
        if let sign = body.first, sign == "-" || sign == "+" {
            negative = sign == "-"
            body = body.dropFirst()
        }
        guard !body.isEmpty else { return nil }
        let magnitude: Int64?
        if body.hasPrefix("0x") {
            magnitude = Int64(body.dropFirst(2), radix: 16)
        } else if body.hasPrefix("0o") {
            magnitude = Int64(body.dropFirst(2), radix: 8)
        } else if body.allSatisfy({ $0.isASCII && $0.isNumber }) {
            magnitude = Int64(body)
        } else {
            magnitude = nil
        }
        guard let magnitude else { return nil }
        return negative ? -magnitude : magnitude
    }

    private static func float(_ text: String) -> Double? {
        switch text {
        case ".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF": return .infinity
        case "-.inf", "-.Inf", "-.INF": return -.infinity
        case ".nan", ".NaN", ".NAN": return .nan
        default: break
        }
        let allowed = Set("0123456789.eE+-")
        guard text.contains(where: { $0.isNumber }), text.allSatisfy({ allowed.contains($0) }) else { return nil }
        return Double(text)
    }
}

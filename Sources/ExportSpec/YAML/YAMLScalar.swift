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

/// One key a section of the spec accepts: its name, its JSON Schema, and a one-line description.
///
/// The decoder checks keys against these lists and `SpecSchema` renders them, so the validator and the schema
/// cannot disagree about which keys exist.
public struct SpecField: Sendable, Hashable {
    public var name: String
    public var schema: JSONValue
    public var summary: String

    public init(_ name: String, _ schema: JSONValue, _ summary: String) {
        self.name = name
        self.schema = schema
        self.summary = summary
    }

    /// The schema with its description added.
    var documentedSchema: JSONValue {
        guard case .object(var pairs) = schema else { return schema }
        pairs.insert(("description", .string(summary)), at: 0)
        return .object(pairs)
    }
}

import AnalyticsAPI

/// The JSON Schema (draft 2020-12) of pipeline spec version 1, built from `SpecVocabulary` and the export catalog.
///
/// Editors' YAML language servers use it for completion and checking; `exportpipe validate` remains the
/// authority (it also checks what a schema cannot: time zones, windows against retention, `${VAR}` syntax).
public enum SpecSchema {
    /// The schema as a value.
    public static var value: JSONValue {
        .object([
            ("$schema", .string("https://json-schema.org/draft/2020-12/schema")),
            ("$id", .string("urn:exportpipe:pipeline-spec:v1")),
            ("title", .string("exportpipe pipeline spec, version 1")),
            ("type", .string("object")),
            ("required", .array(["version", "api", "window", "exports"].map(JSONValue.string))),
            ("additionalProperties", .bool(false)),
            (
                "patternProperties",
                .object([("^x-", .object([("description", .string("Ignored: a place for YAML anchors."))]))])
            ),
            ("properties", properties(SpecVocabulary.topLevel)),
            (
                "$defs",
                .object([
                    ("api", section(SpecVocabulary.api, required: ["base_url", "company_key", "users"])),
                    ("user", user),
                    ("limits", section(SpecVocabulary.limits)),
                    ("defaults", section(SpecVocabulary.defaults)),
                    ("window", window),
                    ("export", export),
                    ("output", section(SpecVocabulary.output)),
                    ("load", section(SpecVocabulary.load, required: ["postgres"])),
                    ("run", section(SpecVocabulary.run)),
                ])
            ),
        ])
    }

    /// The schema as pretty-printed JSON (what `exportpipe schema` prints), ending in a newline.
    public static var json: String { value.rendered() + "\n" }

    private static func properties(_ fields: [SpecField]) -> JSONValue {
        .object(fields.map { ($0.name, $0.documentedSchema) })
    }

    private static func section(_ fields: [SpecField], required: [String] = [], extra: [(String, JSONValue)] = [])
        -> JSONValue
    {
        var pairs: [(String, JSONValue)] = [("type", .string("object"))]
        if !required.isEmpty { pairs.append(("required", .array(required.map(JSONValue.string)))) }
        pairs.append(("additionalProperties", .bool(false)))
        pairs.append(("properties", properties(fields)))
        return .object(pairs + extra)
    }

    private static func requiring(_ key: String) -> JSONValue { .object([("required", .array([.string(key)]))]) }

    private static var user: JSONValue {
        section(
            SpecVocabulary.user, required: ["username"],
            extra: [("oneOf", .array([requiring("password_env"), requiring("password_file")]))])
    }

    private static var window: JSONValue {
        section(SpecVocabulary.window, extra: [("oneOf", .array([requiring("from"), requiring("last")]))])
    }

    /// An export, with one `if type = … then …` rule per type: the filters and options it takes, its columns.
    private static var export: JSONValue {
        let rules: [JSONValue] = ExportCatalog.all.sorted { $0.type < $1.type }.map { descriptor in
            var thenProperties: [(String, JSONValue)] = [
                (
                    "filters",
                    .object([
                        (
                            "propertyNames",
                            .object([("enum", .array(descriptor.filters.keys.sorted().map { .string($0.rawValue) }))])
                        )
                    ])
                ),
                (
                    "columns",
                    .object([("items", .object([("enum", .array(descriptor.columns.map(JSONValue.string)))]))])
                ),
            ]
            for option in OptionKind.allCases.sorted() where !descriptor.options.contains(option) {
                thenProperties.append((option.rawValue, .bool(false)))
            }
            if descriptor.type != .combined { thenProperties.append(("keep_combined", .bool(false))) }
            var then: [(String, JSONValue)] = [("properties", .object(thenProperties))]
            if !descriptor.requiredOptions.isEmpty {
                then.append(("required", .array(descriptor.requiredOptions.sorted().map { .string($0.rawValue) })))
            }
            return .object([
                (
                    "if",
                    .object([
                        ("properties", .object([("type", .object([("const", .string(descriptor.type.rawValue))]))])),
                        ("required", .array([.string("type")])),
                    ])
                ),
                ("then", .object(then)),
            ])
        }
        return section(SpecVocabulary.export, required: ["name", "type"], extra: [("allOf", .array(rules))])
    }
}

import AnalyticsAPI
import ExportSpec
import Foundation
import Testing

@Suite("JSON Schema of the spec")
struct SpecSchemaTests {
    private func parsedSchema() throws -> [String: Any] {
        let object = try JSONSerialization.jsonObject(with: Data(SpecSchema.json.utf8))
        return try #require(object as? [String: Any])
    }

    /// Follows `$ref` to `#/$defs/…` and `items` of arrays.
    private func resolve(_ schema: [String: Any], in root: [String: Any]) -> [String: Any] {
        if let ref = schema["$ref"] as? String, ref.hasPrefix("#/$defs/"),
            let defs = root["$defs"] as? [String: Any], let target = defs[String(ref.dropFirst(8))] as? [String: Any]
        {
            return resolve(target, in: root)
        }
        if schema["type"] as? String == "array", let items = schema["items"] as? [String: Any] {
            return resolve(items, in: root)
        }
        return schema
    }

    @Test func isValidJSONForDraft2020() throws {
        let root = try parsedSchema()
        #expect(root["$schema"] as? String == "https://json-schema.org/draft/2020-12/schema")
        #expect(root["required"] as? [String] == ["version", "api", "window", "exports"])
        #expect(SpecSchema.json.hasSuffix("}\n"))
    }

    @Test func everySectionListsExactlyTheKeysTheValidatorAccepts() throws {
        let root = try parsedSchema()
        for (path, fields) in SpecVocabulary.sections {
            var schema = root
            for part in path.split(separator: ".") {
                let name = part.hasSuffix("[]") ? String(part.dropLast(2)) : String(part)
                let properties = try #require(schema["properties"] as? [String: Any], "\(path)")
                schema = resolve(try #require(properties[name] as? [String: Any], "\(path): \(name)"), in: root)
            }
            let properties = try #require(schema["properties"] as? [String: Any], "\(path)")
            #expect(Set(properties.keys) == Set(fields.map(\.name)), "\(path)")
            #expect(schema["additionalProperties"] as? Bool == false, "\(path)")
        }
    }

    /// Every key of a spec that validates clean (and uses every key) is in the schema at the same place.
    @Test func everyKeyOfAFullSpecIsInTheSchema() throws {
        let root = try parsedSchema()
        let result = SpecLoader.load(source: fullSpecText, file: "full.yaml", now: fixedNow)
        #expect(result.diagnostics.isEmpty)
        let yaml = try #require(YAMLLoader.load(bytes: Array(fullSpecText.utf8), file: "full.yaml").root)
        var seen: Set<String> = []
        func walk(_ node: YAMLNode, _ schema: [String: Any], _ path: String) throws {
            let schema = resolve(schema, in: root)
            if let items = node.sequence {
                for item in items { try walk(item, schema, path + "[]") }
            } else if let pairs = node.mapping {
                let properties = try #require(schema["properties"] as? [String: Any], "\(path)")
                for pair in pairs {
                    let key = try #require(pair.key.scalar?.value)
                    let child = try #require(
                        properties[key] as? [String: Any], "'\(key)' at \(path) is not in the schema")
                    // An export's window has the same keys as the pipeline's.
                    seen.insert((path + "." + key).replacingOccurrences(of: ".exports[].window.", with: ".window."))
                    try walk(pair.value, child, path + "." + key)
                }
            }
        }
        try walk(yaml, root, "")
        let vocabulary = SpecVocabulary.sections.flatMap { section in
            section.fields.map { (section.path.isEmpty ? "" : "." + section.path) + "." + $0.name }
        }
        // The full spec uses every key of every section.
        #expect(Set(vocabulary).subtracting(seen).isEmpty, "\(Set(vocabulary).subtracting(seen).sorted())")
    }

    @Test func enumsComeFromTheCatalog() throws {
        let root = try parsedSchema()
        let export = try #require((root["$defs"] as? [String: Any])?["export"] as? [String: Any])
        let properties = try #require(export["properties"] as? [String: Any])
        let type = try #require(properties["type"] as? [String: Any])
        #expect(type["enum"] as? [String] == ExportType.allIDs)
        let rules = try #require(export["allOf"] as? [[String: Any]])
        #expect(rules.count == ExportType.allCases.count)
        // team_performance_interval requires time_interval and forbids raise_limit.
        let tpi = try #require(
            rules.first { rule in
                let condition = (rule["if"] as? [String: Any])?["properties"] as? [String: Any]
                return (condition?["type"] as? [String: Any])?["const"] as? String == "team_performance_interval"
            })
        let then = try #require(tpi["then"] as? [String: Any])
        #expect(then["required"] as? [String] == ["time_interval"])
        #expect((then["properties"] as? [String: Any])?["raise_limit"] as? Bool == false)
    }
}

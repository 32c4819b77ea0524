import AnalyticsAPI
import Foundation

/// Decodes a YAML tree into a `PipelineSpec`, collecting every problem in one pass.
///
/// Each `decode…` function reports what is wrong with its part and returns nil (or a default) so decoding goes on;
/// the spec is returned only when no error was reported.
struct SpecDecoder {
    let file: String
    /// The instant `today`, `now` and the retention check are evaluated against.
    let now: Date
    var diagnostics: [Diagnostic] = []

    init(file: String, now: Date) {
        self.file = file
        self.now = now
    }

    var hasErrors: Bool { diagnostics.contains { $0.severity == .error } }

    // MARK: Reporting

    func location(_ node: YAMLNode) -> SourceLocation {
        SourceLocation(file: file, line: node.line, column: node.column)
    }

    mutating func error(_ node: YAMLNode, _ message: String, fix: String? = nil) {
        diagnostics.append(.error(at: location(node), message, fix: fix))
    }

    mutating func warning(_ node: YAMLNode, _ message: String, fix: String? = nil) {
        diagnostics.append(.warning(at: location(node), message, fix: fix))
    }

    /// How a value reads in a message: "a mapping", "the string 'abc'", "the integer 5", "an empty value".
    static func describe(_ node: YAMLNode) -> String {
        switch node.content {
        case .mapping: return "a mapping"
        case .sequence: return "a list"
        case .scalar(let scalar):
            switch scalar.resolved {
            case .null: return "an empty value"
            case .bool(let value): return "the boolean \(value)"
            case .int(let value): return "the integer \(value)"
            case .float: return "the number \(scalar.value)"
            case .string(let text):
                let shown = text.count > 40 ? String(text.prefix(37)) + "..." : text
                return "the string '\(shown)'"
            }
        }
    }

    // MARK: Sections

    /// A mapping of the spec with its keys checked against the fields it accepts.
    struct Section {
        /// The mapping node.
        var node: YAMLNode
        /// The key that names the section in its parent (missing keys are reported there), when there is one.
        var keyNode: YAMLNode?
        /// How messages name the section: `api`, `exports[2]`, `the top level`.
        var path: String
        /// Accepted keys present, by name.
        var entries: [String: YAMLPair]

        func value(_ key: String) -> YAMLNode? { entries[key]?.value }
        func key(_ key: String) -> YAMLNode? { entries[key]?.key }
        var anchor: YAMLNode { keyNode ?? node }
    }

    /// Checks that `node` is a mapping whose keys are all in `fields`; reports unknown keys with "did you mean".
    ///
    /// `special` gives keys with their own message (e.g. an inline `password`) instead of "unknown key".
    mutating func section(
        _ node: YAMLNode, keyNode: YAMLNode?, path: String, fields: [SpecField],
        special: [String: (message: String, fix: String)] = [:], allowsExtensions: Bool = false
    ) -> Section? {
        guard let pairs = node.mapping else {
            error(node, "\(path) must be a mapping, got \(Self.describe(node))", fix: mappingFix(path, fields))
            return nil
        }
        let names = fields.map(\.name)
        var entries: [String: YAMLPair] = [:]
        for pair in pairs {
            guard let key = pair.key.scalar?.value, pair.key.sequence == nil, pair.key.mapping == nil else {
                error(pair.key, "keys in \(path) must be names, got \(Self.describe(pair.key))")
                continue
            }
            if names.contains(key) {
                entries[key] = pair
            } else if allowsExtensions && key.hasPrefix("x-") {
                continue  // a place for anchors shared by exports (`x-common: &common …`), as in Compose files
            } else if let special = special[key] {
                error(pair.key, special.message, fix: special.fix)
            } else {
                let hint =
                    Suggestion.didYouMean(key, among: names)
                    ?? "\(path) takes: \(names.joined(separator: ", "))"
                error(pair.key, "unknown key '\(key)' in \(path)", fix: hint)
            }
        }
        return Section(node: node, keyNode: keyNode, path: path, entries: entries)
    }

    private func mappingFix(_ path: String, _ fields: [SpecField]) -> String {
        "write it as 'key: value' lines; \(path) takes: \(fields.map(\.name).joined(separator: ", "))"
    }

    /// Reports a required key that is missing, at the section's own key.
    mutating func missing(_ key: String, in section: Section, fix: String) {
        error(section.anchor, "\(section.path) is missing '\(key)'", fix: fix)
    }
}

/// The outcome of loading one YAML file: its root node (nil when it could not be parsed), the problems found,
/// and its text (for showing source lines under diagnostics).
public struct YAMLLoadResult: Sendable {
    public var root: YAMLNode?
    public var diagnostics: [Diagnostic]
    /// The decoded text, without a byte-order mark; nil when the bytes were not UTF-8 or too large.
    public var text: String?

    public init(root: YAMLNode?, diagnostics: [Diagnostic], text: String?) {
        self.root = root
        self.diagnostics = diagnostics
        self.text = text
    }
}

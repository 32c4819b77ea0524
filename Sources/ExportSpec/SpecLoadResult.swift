/// What loading a spec file produced: the spec (nil when there is any error), every problem found, and the
/// file's text for showing source lines under diagnostics.
public struct SpecLoadResult: Sendable {
    public var spec: PipelineSpec?
    /// Sorted by location.
    public var diagnostics: [Diagnostic]
    /// The file's text (nil when it could not be read or is not UTF-8).
    public var source: String?

    public init(spec: PipelineSpec?, diagnostics: [Diagnostic], source: String?) {
        self.spec = spec
        self.diagnostics = diagnostics
        self.source = source
    }

    public var errorCount: Int { diagnostics.filter { $0.severity == .error }.count }
    public var warningCount: Int { diagnostics.filter { $0.severity == .warning }.count }
    public var hasErrors: Bool { errorCount > 0 }
}

import ExportSpec

/// A plan and every diagnostic found while making it.
public struct PlanResult: Sendable {
    /// The plan of every export that could be planned (exports with errors are left out).
    public var plan: Plan
    /// Errors and warnings, sorted by location.
    public var diagnostics: [Diagnostic]

    public init(plan: Plan, diagnostics: [Diagnostic]) {
        self.plan = plan
        self.diagnostics = diagnostics
    }

    /// Whether any diagnostic is an error (the CLI then exits 2 and prints no plan).
    public var hasErrors: Bool { diagnostics.contains { $0.severity == .error } }
}

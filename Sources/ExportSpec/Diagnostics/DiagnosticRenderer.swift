/// Prints diagnostics like a compiler (`file:line:col: error: message`, the source line, a caret) or as GitHub
/// Actions workflow commands (`::error file=…,line=…,col=…::message`).
public enum DiagnosticRenderer {
    /// The output forms of `exportpipe validate --format`.
    public enum Format: String, CaseIterable, Sendable {
        case human
        case github
    }

    /// Diagnostics in the order they are printed: by file, line, column, then errors before warnings.
    public static func sorted(_ diagnostics: [Diagnostic]) -> [Diagnostic] {
        func rank(_ severity: Diagnostic.Severity) -> Int {
            switch severity {
            case .error: 0
            case .warning: 1
            case .note: 2
            }
        }
        return diagnostics.enumerated().sorted { lhs, rhs in
            let (l, r) = (lhs.element, rhs.element)
            if l.location != r.location { return l.location < r.location }
            if rank(l.severity) != rank(r.severity) { return rank(l.severity) < rank(r.severity) }
            return lhs.offset < rhs.offset
        }.map(\.element)
    }

    /// Renders `diagnostics` (sorted) in `format`; `source` is the file's text, for the human form's source lines.
    public static func render(_ diagnostics: [Diagnostic], source: String?, format: Format) -> String {
        switch format {
        case .human: human(diagnostics, source: source)
        case .github: github(diagnostics)
        }
    }

    /// The compiler form. Each diagnostic ends with a newline:
    ///
    /// ```
    /// pipelines/x.yaml:7:5: error: unknown key 'filtres' in exports[0]
    ///     filtres: { teams: [1] }
    ///     ^
    /// help: did you mean 'filters'?
    /// ```
    public static func human(_ diagnostics: [Diagnostic], source: String?) -> String {
        let lines = source.map { $0.split(separator: "\n", omittingEmptySubsequences: false) } ?? []
        var out = ""
        for diagnostic in sorted(diagnostics) {
            let location = diagnostic.location
            if location.line > 0 {
                out += "\(location.file):\(location.line):\(location.column): "
            } else {
                out += "\(location.file): "
            }
            out += "\(diagnostic.severity.rawValue): \(diagnostic.message)\n"
            if location.line > 0, location.line <= lines.count {
                var text = Substring(lines[location.line - 1])
                if text.hasSuffix("\r") { text = text.dropLast() }
                if text.contains(where: { !$0.isWhitespace }) {
                    out += text + "\n"
                    out += caret(under: location.column, in: text) + "\n"
                }
            }
            if let fix = diagnostic.fix { out += "help: \(fix)\n" }
        }
        return out
    }

    /// Spaces (keeping tabs, so the caret lines up) up to `column`, then `^`.
    static func caret(under column: Int, in line: Substring) -> String {
        var pad = ""
        for scalar in line.unicodeScalars.prefix(max(0, column - 1)) {
            pad += scalar == "\t" ? "\t" : " "
        }
        let missing = max(0, column - 1 - line.unicodeScalars.count)
        return pad + String(repeating: " ", count: missing) + "^"
    }

    /// GitHub Actions annotations, one line each; the fix follows the message in parentheses.
    public static func github(_ diagnostics: [Diagnostic]) -> String {
        var out = ""
        for diagnostic in sorted(diagnostics) {
            let command =
                switch diagnostic.severity {
                case .error: "error"
                case .warning: "warning"
                case .note: "notice"
                }
            let location = diagnostic.location
            var properties = "file=\(escapeProperty(location.file))"
            if location.line > 0 { properties += ",line=\(location.line),col=\(location.column)" }
            let message = diagnostic.message + (diagnostic.fix.map { " (\($0))" } ?? "")
            out += "::\(command) \(properties)::\(escapeData(message))\n"
        }
        return out
    }

    /// `N errors, M warnings in K files`, or `ok: K files` when there is nothing to report.
    public static func summary(errors: Int, warnings: Int, files: Int) -> String {
        func count(_ n: Int, _ word: String) -> String { "\(n) \(word)\(n == 1 ? "" : "s")" }
        if errors == 0 && warnings == 0 { return "ok: \(count(files, "file"))" }
        return "\(count(errors, "error")), \(count(warnings, "warning")) in \(count(files, "file"))"
    }

    /// Workflow-command escaping of the message part.
    static func escapeData(_ text: String) -> String {
        text.replacing("%", with: "%25").replacing("\r", with: "%0D").replacing("\n", with: "%0A")
    }

    /// Workflow-command escaping of a property value (also `:` and `,`).
    static func escapeProperty(_ text: String) -> String {
        escapeData(text).replacing(":", with: "%3A").replacing(",", with: "%2C")
    }
}

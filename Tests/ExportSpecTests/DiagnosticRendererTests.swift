import ExportSpec
import Testing

@Suite("Diagnostic rendering")
struct DiagnosticRendererTests {
    private let source = "version: 1\nexports:\n\t- name: x\n  - filtres: {}\n"

    @Test func humanFormShowsTheLineACaretAndTheFix() {
        let diagnostics = [
            Diagnostic.warning(at: SourceLocation(file: "p.yaml", line: 1, column: 10), "late"),
            Diagnostic.error(
                at: SourceLocation(file: "p.yaml", line: 4, column: 5), "unknown key 'filtres'",
                fix: "did you mean 'filters'?"),
            Diagnostic.error(at: SourceLocation(file: "p.yaml", line: 1, column: 1), "first"),
        ]
        #expect(
            DiagnosticRenderer.human(diagnostics, source: source) == """
                p.yaml:1:1: error: first
                version: 1
                ^
                p.yaml:1:10: warning: late
                version: 1
                         ^
                p.yaml:4:5: error: unknown key 'filtres'
                  - filtres: {}
                    ^
                help: did you mean 'filters'?

                """)
    }

    @Test func caretKeepsTabsSoItLinesUp() {
        let diagnostic = Diagnostic.error(at: SourceLocation(file: "p.yaml", line: 3, column: 4), "x")
        #expect(DiagnosticRenderer.human([diagnostic], source: source) == "p.yaml:3:4: error: x\n\t- name: x\n\t  ^\n")
    }

    @Test func locationWithoutALinePrintsTheFileOnly() {
        let diagnostic = Diagnostic.error(
            at: SourceLocation(file: "gone.yaml", line: 0, column: 0), "no such file", fix: "check")
        #expect(DiagnosticRenderer.human([diagnostic], source: nil) == "gone.yaml: error: no such file\nhelp: check\n")
        #expect(DiagnosticRenderer.github([diagnostic]) == "::error file=gone.yaml::no such file (check)\n")
    }

    @Test func githubFormEscapesAsWorkflowCommandsRequire() {
        let diagnostics = [
            Diagnostic.warning(at: SourceLocation(file: "a,b:c.yaml", line: 2, column: 3), "50% done\nnext"),
            Diagnostic.error(at: SourceLocation(file: "p.yaml", line: 1, column: 1), "bad", fix: "fix it"),
        ]
        #expect(
            DiagnosticRenderer.github(diagnostics) == """
                ::warning file=a%2Cb%3Ac.yaml,line=2,col=3::50%25 done%0Anext
                ::error file=p.yaml,line=1,col=1::bad (fix it)

                """)
    }

    @Test func summaryLine() {
        #expect(DiagnosticRenderer.summary(errors: 0, warnings: 0, files: 1) == "ok: 1 file")
        #expect(DiagnosticRenderer.summary(errors: 0, warnings: 0, files: 3) == "ok: 3 files")
        #expect(DiagnosticRenderer.summary(errors: 1, warnings: 2, files: 1) == "1 error, 2 warnings in 1 file")
        #expect(DiagnosticRenderer.summary(errors: 0, warnings: 1, files: 2) == "0 errors, 1 warning in 2 files")
    }
}

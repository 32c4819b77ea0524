import ArgumentParser
import ExportBasics
import ExportSpec
import Foundation

/// `exportpipe validate SPEC…`: load and check pipeline files, print every problem, exit 2 on any error.
struct ValidateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Check pipeline files and print every problem, like a compiler.",
        discussion: """
            Diagnostics and the summary line go to standard output. Exit status: 0 when no file has an error \
            (warnings allowed), 2 when any file has one. Needs no network and no credentials: ${VAR} \
            references are only checked for syntax.
            """
    )

    @Argument(help: "The pipeline files to check.")
    var specs: [String] = []

    @Option(help: "Output form: human (file:line:col with the source line) or github (workflow annotations).")
    var format: OutputFormat = .human

    @Option(
        help: "Check 'today', 'now' and retention as of this instant (YYYY-MM-DD or ISO 8601; default $EXPORTPIPE_NOW)."
    )
    var now: String?

    func validate() throws {
        if specs.isEmpty { throw ValidationError("give at least one pipeline file, e.g. pipelines/demo.yaml") }
        try NowOption.validate(now)
    }

    func run() throws {
        let instant = NowOption.resolve(now)
        var errors = 0
        var warnings = 0
        var out = ""
        for path in specs {
            let result = SpecLoader.load(contentsOf: path, now: instant)
            errors += result.errorCount
            warnings += result.warningCount
            out += DiagnosticRenderer.render(result.diagnostics, source: result.source, format: format.rendererFormat)
        }
        out += DiagnosticRenderer.summary(errors: errors, warnings: warnings, files: specs.count) + "\n"
        TerminalOutput.shared.write(out, to: .output)
        if errors > 0 { throw ExitCode(ExitCodes.specErrors) }
    }
}

/// `--format` of `validate`.
enum OutputFormat: String, CaseIterable, ExpressibleByArgument {
    case human
    case github

    var rendererFormat: DiagnosticRenderer.Format {
        switch self {
        case .human: .human
        case .github: .github
        }
    }
}

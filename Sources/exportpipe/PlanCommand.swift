import ArgumentParser
import ExportPlanner
import ExportSpec
import Foundation

/// `exportpipe plan SPEC…`: the dry run. Loads each spec, plans it at `--now`, prints the plan; no network.
struct PlanCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plan",
        abstract: "Show the export jobs a run would submit, why, and how long it would take (no network).",
        discussion: """
            Exit status: 0 when every spec planned, 2 when a spec or its plan has errors (printed to stderr as \
            file:line:col: error: …). Warnings go to stderr too; the plan goes to stdout.
            """
    )

    @Argument(help: "The pipeline spec file(s) to plan.", completion: .file(extensions: ["yaml", "yml"]))
    var specs: [String]

    @Option(help: "table (for people) or json (for machines; one spec only).")
    var format: PlanRenderer.Format = .table

    @Option(
        help: "Plan as of this instant (YYYY-MM-DD or ISO 8601 with an offset): windows and the retention check.")
    var now: String?

    func validate() throws {
        guard !specs.isEmpty else { throw ValidationError("Give the spec file to plan, e.g. pipelines/demo.yaml.") }
        if format == .json && specs.count > 1 {
            throw ValidationError("--format json plans one spec at a time; got \(specs.count).")
        }
        try NowOption.validate(now)
    }

    func run() throws {
        let instant = now.flatMap(NowOption.parse) ?? Date()
        var failed = false
        var printedPlans = 0
        for path in specs {
            let loaded = SpecLoader.load(contentsOf: path, now: instant)
            if !loaded.diagnostics.isEmpty {
                printError(
                    DiagnosticRenderer.render(loaded.diagnostics, source: loaded.source, format: .human), newline: false
                )
            }
            guard let spec = loaded.spec, !loaded.diagnostics.contains(where: { $0.severity == .error }) else {
                failed = true
                continue
            }
            let result = Planner.plan(spec, now: instant)
            if !result.diagnostics.isEmpty {
                printError(
                    DiagnosticRenderer.render(result.diagnostics, source: loaded.source, format: .human), newline: false
                )
            }
            if result.hasErrors {
                failed = true
                continue
            }
            if printedPlans > 0 { writeToStandardOutput(Array("\n".utf8)) }
            writeToStandardOutput(PlanRenderer.renderBytes(result.plan, as: format))
            printedPlans += 1
        }
        if failed { throw ExitCode(ExitCodes.specErrors) }
    }

    private func printError(_ text: String, newline: Bool = true) {
        FileHandle.standardError.write(Data((text + (newline ? "\n" : "")).utf8))
    }

    /// Writes in 1 MiB pieces so a large JSON plan is not copied whole once more.
    private func writeToStandardOutput(_ bytes: [UInt8]) {
        var start = 0
        while start < bytes.count {
            let end = min(bytes.count, start + 1 << 20)
            FileHandle.standardOutput.write(Data(bytes[start..<end]))
            start = end
        }
    }
}

extension PlanRenderer.Format: ExpressibleByArgument {}

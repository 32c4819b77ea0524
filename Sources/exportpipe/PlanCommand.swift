import ArgumentParser
import ExportBasics
import ExportDataset
import ExportExecutor
import ExportPlanner
import ExportRun
import ExportSpec
import Foundation

/// `exportpipe plan SPEC…`: the dry run. Loads each spec, plans it at `--now`, prints the plan; no network.
struct PlanCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plan",
        abstract: "Show the export jobs a run would submit, why, and how long it would take (no network).",
        discussion: """
            When the pipeline has run before, the plan uses what its journal learned, as the run does: rows per \
            day (for chunk: auto) and how long each export's jobs really took against the estimate.

            Exit status: 0 when every spec planned, 2 when a spec or its plan has errors (printed to stderr as \
            file:line:col: error: …). Warnings go to stderr too; the plan goes to stdout.
            """
    )

    @Argument(help: "The pipeline spec file(s) to plan.", completion: .file(extensions: ["yaml", "yml"]))
    var specs: [String]

    @Option(help: "table (for people) or json (for machines; one spec only).")
    var format: PlanRenderer.Format = .table

    @Option(
        help:
            "Plan as of this instant (YYYY-MM-DD or ISO 8601 with an offset; default $EXPORTPIPE_NOW, else the clock).")
    var now: String?

    @Option(help: "Plan run --refresh FROM..TO: these dates' partitions exported again (output.layout: partitioned).")
    var refresh: String?

    @Flag(
        help: ArgumentHelp(
            "Read every partition file and compare its SHA-256 with the dataset manifest (output.layout: partitioned); "
                + "without it a file whose size and modification time match the manifest is taken as unchanged."))
    var verify = false

    func validate() throws {
        if let refresh {
            do { _ = try RefreshRange(parsing: refresh) } catch { throw ValidationError("\(error)") }
        }
        guard !specs.isEmpty else { throw ValidationError("Give the spec file to plan, e.g. pipelines/demo.yaml.") }
        if format == .json && specs.count > 1 {
            throw ValidationError("--format json plans one spec at a time; got \(specs.count).")
        }
        try NowOption.validate(now)
    }

    func run() throws {
        let instant = NowOption.resolve(now)
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
            let result: PlanResult
            do {
                result = try PipelineRun.plan(
                    spec, now: instant, journal: try journal(of: spec, specPath: path),
                    refresh: try refresh.map(RefreshRange.init(parsing:)), verify: verify)
            } catch {
                printError("error: \(path): the journal could not be read: \(error)")
                failed = true
                continue
            }
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

    /// The pipeline's journal when it has run before (opened only to read), or nil.
    private func journal(of spec: PipelineSpec, specPath: String) throws -> Journal? {
        let base = URL(fileURLWithPath: specPath).deletingLastPathComponent().path
        let path = StateDirectory(PipelineRun.resolve(spec.output.stateDir, against: base)).journalPath
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        return try Journal(path: path)
    }

    private func printError(_ text: String, newline: Bool = true) {
        TerminalOutput.shared.write((text + (newline ? "\n" : "")))
    }

    /// Written straight from the array: a large JSON plan is not copied once more.
    private func writeToStandardOutput(_ bytes: [UInt8]) { TerminalOutput.shared.write(bytes, to: .output) }
}

extension PlanRenderer.Format: ExpressibleByArgument {}

import ArgumentParser
import ExportBasics
import ExportExecutor
import ExportLoading
import ExportRun
import Foundation

/// `exportpipe load SPEC`: loads the partitioned dataset on disk into `output.load`'s PostgreSQL database, without
/// calling the API (a new warehouse, a restored database, a load that failed).
struct LoadCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "load",
        abstract: "Load a pipeline's partitioned dataset on disk into its output.load database (no API calls).",
        discussion: """
            Loads every partition of the dataset (<output.dir>/<export>/…) whose SHA-256 the database has not \
            recorded, each in one transaction (docs/warehouse.md); partitions already loaded with the same file are \
            skipped. --export and --partition narrow it. Exit status: 0 everything loaded or unchanged, 1 a \
            partition could not be loaded or the database cannot be reached (the others are loaded; the message says \
            which and why), 2 spec errors, no output.load, or an --export/--partition that names nothing.
            """
    )

    @Argument(help: "The pipeline spec file.", completion: .file(extensions: ["yaml", "yml"]))
    var spec: String

    @Option(help: "Load only this export's dataset.")
    var export: String?

    @Option(help: "Load only this partition (2026-03-04, or 2026-03 for a monthly dataset).")
    var partition: String?

    @Option(help: "The instant the spec's window is taken at (\(NowOption.forms)); as for run.")
    var now: String?

    func validate() throws { try NowOption.validate(now) }

    func run() async throws {
        let instant = NowOption.resolve(now)
        let loaded = try LoadedPipeline.load(spec, now: instant)
        let report: LoadReport
        do {
            report = try await PipelineRun.loadDataset(
                loaded.spec, specPath: spec, now: instant, environment: ProcessInfo.processInfo.environment,
                export: export, partition: partition,
                notify: { event in
                    guard event.kind == .loaded || event.kind == .warning, let message = event.message else { return }
                    TerminalOutput.shared.write(
                        "\(event.kind == .loaded ? "loaded" : "warning:") \(event.export.map { "\($0)/" } ?? "")\(message)\n"
                    )
                })
        } catch let error as LoadSelectionError {
            TerminalOutput.shared.write("error: \(error)\n")
            throw ExitCode(RunExitCode.specErrors)
        } catch let error as WarehouseError {
            TerminalOutput.shared.write("error: \(error)\n")
            throw ExitCode(RunExitCode.specErrors)
        }
        var lines: [String] = []
        for (name, counts) in report.exports.sorted(by: { $0.key < $1.key }) {
            lines.append(
                "\(name): \(counts.loaded) partition(s) loaded (\(counts.rows) rows), \(counts.skippedUnchanged) "
                    + "unchanged, \(counts.failed) failed")
        }
        lines.append(report.line)
        if report.hasFailures {
            lines.append("error: " + PipelineRun.describeFailures(report))
            lines.append(
                "after fixing the cause, `\(report.retryCommand(specPath: spec))` loads "
                    + (report.unreachable != nil ? "the dataset" : "what failed")
                    + " (partitions that loaded are recorded and skipped)")
        }
        TerminalOutput.shared.write(lines.joined(separator: "\n") + "\n")
        if report.hasFailures { throw ExitCode(RunExitCode.failed) }
    }
}

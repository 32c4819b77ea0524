import AnalyticsClient
import AnalyticsSimulator
import ArgumentParser
import ExportDataset
import ExportExecutor
import ExportPlanner
import ExportSpec
import Foundation

/// `exportpipe run SPEC`: plan, execute under the queue limits with a journal, merge.
struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run a pipeline: submit its chunks under the queue limits, download, verify and merge them.",
        discussion: """
            A run resumes from its journal (<state_dir>/journal.sqlite) when there is one: finished chunks are \
            kept, jobs still in flight are followed again through their status URLs, nothing is submitted twice. \
            One run holds a state directory at a time: a second run of the same pipeline waits for the first (or \
            exits with --no-wait). Every run writes run-summary.json and report.html beside the outputs (and, with \
            --metrics-file or run.metrics_file, Prometheus metrics). Exit status: 0 all done, 1 some chunks failed \
            for good (see `exportpipe retry`), 2 spec errors, 3 run.deadline passed (journal saved; run again to go \
            on), 75 the state directory is held by another run (--no-wait), 130 interrupted (journal saved; run \
            again to resume), 141 standard output or error closed (e.g. `| head`; stopped as on Ctrl-C).
            """
    )

    @Argument(help: "The pipeline spec file.", completion: .file(extensions: ["yaml", "yml"]))
    var spec: String

    @OptionGroup var options: RunOptions

    @Flag(
        help: ArgumentHelp(
            "Forget the journal and chunk files of earlier runs and start over (only the files exportpipe wrote are "
                + "removed)."))
    var noResume = false

    @Option(
        help: ArgumentHelp(
            "Export again the partitions of these local dates (FROM..TO, e.g. 2026-11-01..2026-11-05, or months "
                + "2026-10..2026-11), settled or not: after a vendor's data fix (output.layout: partitioned)."))
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
    }

    func run() async throws {
        var invocation = RunInvocation(specPath: spec, options: options, noResume: noResume)
        invocation.refresh = try refresh.map(RefreshRange.init(parsing:))
        invocation.verify = verify
        try await invocation.perform()
    }
}

/// `--progress`.
enum ProgressStyleOption: String, CaseIterable, ExpressibleByArgument {
    case auto, tty, plain, json

    var style: ProgressRenderer.Style { ProgressRenderer.Style(rawValue: rawValue) ?? .auto }
}

import ArgumentParser
import CSVMerge
import ExportBasics
import ExportExecutor
import ExportRun
import ExportSpec
import Foundation
import RunReporting

/// `exportpipe report SPEC`: the HTML run report, from the journal, at any time (also while a run is going).
struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Write the HTML run report of a pipeline from its journal: exports, the slot timeline, utilisation.",
        discussion: """
            The page is one self-contained file (no script, nothing loaded from the network). It reads the journal \
            without writing to it, so it works while a run is going: the timeline then ends at the current time. \
            Every run also writes it beside the outputs.
            """
    )

    @Argument(help: "The pipeline spec file.", completion: .file(extensions: ["yaml", "yml"]))
    var spec: String

    @Option(
        name: .shortAndLong,
        help: ArgumentHelp("Where to write the page ('-' for standard output).", valueName: "path"))
    var output: String?

    func run() throws {
        let loaded = try LoadedPipeline.load(spec)
        let journal = loaded.journalPath
        let outputDirectory = loaded.outputDirectory
        guard FileManager.default.fileExists(atPath: journal) else {
            TerminalOutput.shared.write(
                "error: no journal at \(journal): this pipeline has not run yet, so there is nothing to report; "
                    + "`exportpipe run \(spec)` runs it (and writes the report beside its outputs)\n")
            throw ExitCode(ExitCodes.failed)
        }
        let snapshot: JournalSnapshot
        do { snapshot = try JournalSnapshot.read(journalPath: journal) } catch {
            TerminalOutput.shared.write("error: \(error)\n")
            throw ExitCode(ExitCodes.failed)
        }
        let manifest = (try? ManifestWriter.read(from: outputDirectory + "/manifest.json")) ?? nil
        let report = RunReport(snapshot: snapshot, manifest: manifest, specPath: spec)
        if output == "-" {
            TerminalOutput.shared.write(report.html(), to: .output)
            return
        }
        let path = output ?? outputDirectory + "/" + RunReport.fileName
        do { try report.write(to: path) } catch {
            TerminalOutput.shared.write("error: \(error)\n")
            throw ExitCode(ExitCodes.failed)
        }
        TerminalOutput.shared.write(path + "\n", to: .output)
    }
}

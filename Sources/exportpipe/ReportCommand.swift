import ArgumentParser
import CSVMerge
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
        let snapshot: JournalSnapshot
        do { snapshot = try JournalSnapshot.read(journalPath: journal) } catch {
            FileHandle.standardError.write(Data("error: \(error)\n".utf8))
            throw ExitCode(ExitCodes.failed)
        }
        let manifest = (try? ManifestWriter.read(from: outputDirectory + "/manifest.json")) ?? nil
        let report = RunReport(snapshot: snapshot, manifest: manifest, specPath: spec)
        if output == "-" {
            print(report.html(), terminator: "")
            return
        }
        let path = output ?? outputDirectory + "/" + RunReport.fileName
        do { try report.write(to: path) } catch {
            FileHandle.standardError.write(Data("error: \(error)\n".utf8))
            throw ExitCode(ExitCodes.failed)
        }
        print(path)
    }
}

import ArgumentParser
import ExportBasics
import ExportExecutor
import ExportRun
import ExportSpec
import Foundation
import RunReporting

/// `exportpipe status SPEC`: what the journal says, per export. Never prints URLs or tokens.
struct StatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show what the journal of a pipeline holds: done, in flight, to do and failed chunks, rows, bytes."
    )

    @Argument(help: "The pipeline spec file.", completion: .file(extensions: ["yaml", "yml"]))
    var spec: String

    @Flag(help: "Print JSON instead of a table.")
    var json = false

    @Option(
        help: ArgumentHelp(
            "The coordinator whose company slots are shown (none, embedded or a postgres:// URL); as for run.",
            valueName: "none|embedded|URL"))
    var coordinator: String?

    @Flag(help: "Do not show the company's queue slots.")
    var noSlots = false

    @Option(help: "The instant the dataset's window and settle rule are taken at (\(NowOption.forms)); as for run.")
    var now: String?

    @Flag(
        help: ArgumentHelp(
            "Read every partition file and compare its SHA-256 with the dataset manifest (output.layout: partitioned); "
                + "without it a file whose size and modification time match the manifest is taken as unchanged."))
    var verify = false

    func validate() throws { try NowOption.validate(now) }

    func run() throws {
        let loaded = try LoadedPipeline.load(spec)
        let pipeline = loaded.spec
        let base = loaded.baseDirectory
        let state = loaded.stateDirectory
        let path = loaded.journalPath
        let datasets = try PipelineRun.datasetStatus(
            pipeline, now: NowOption.resolve(now), verify: verify, baseDirectory: base)
        let loads = Self.loadStatus(pipeline, now: NowOption.resolve(now), baseDirectory: base)
        if let datasets, !json {
            for line in DatasetStatusTable.lines(datasets, grain: pipeline.output.partition) { print(line) }
        }
        if !json { for line in Self.loadLines(loads) { print(line) } }
        guard FileManager.default.fileExists(atPath: path) else {
            if let datasets, json {
                print(try Self.addingLoads(loads, to: DatasetStatusTable.json(datasets)))
                return
            }
            print("no journal at \(path): this pipeline has not run yet")
            if !json && !noSlots {
                for line in CompanySlots.lines(pipeline, flag: coordinator, baseDirectory: base) { print(line) }
            }
            return
        }
        // Reads only: never waits for a run that holds the state directory, says who does.
        if let busy = StateDirectoryLock.holder(of: StateDirectory(state)) {
            TerminalOutput.shared.write("a run is in progress: \(busy)\n")
        }
        let journal = try Journal(path: path)
        let records = try journal.records()
        // Counted as the latest run counted (its plan, from the run log); jobs in flight outside the plan a run
        // would make now are listed on their own; rows and bytes are the output's, on disk.
        let lastRun = (try? JournalSnapshot.read(journalPath: path))?.run?.plan
        let report = PipelineRun.journalReport(
            pipeline, records: records, lastRunPlan: lastRun?.map { ($0.export, $0.chunks) }, journal: journal,
            now: NowOption.resolve(now), baseDirectory: base)
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
            let encoded = try encoder.encode(report)
            if let datasets {
                print(try Self.addingLoads(loads, to: DatasetStatusTable.json(datasets, adding: encoded)))
            } else {
                print(String(decoding: encoded, as: UTF8.self))
            }
        } else {
            print(report.text, terminator: "")
            for line in StatusAdvice.lines(for: records, specPath: spec) { print(line) }
            if !noSlots {
                for line in CompanySlots.lines(pipeline, flag: coordinator, baseDirectory: base) { print(line) }
            }
        }
    }
}

import ArgumentParser
import ExportBasics
import ExportRun
import Foundation
import Logging

/// `exportpipe`: YAML pipelines → complete, correct CSV exports from the Khoros Care Analytics Reports API.
///
/// The entry point: ArgumentParser runs each command, the asynchronous ones (`run`, `retry`, `simulator`) in Swift
/// concurrency. (An earlier hand-written entry point kept the synchronous commands off the concurrency runtime and
/// read plain `merge` command lines without ArgumentParser, for a whole-process memory figure; that start-up cost is
/// constant, and the merge's own memory above it is what BENCHMARKS.md measures.)
@main
struct ExportPipe: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "exportpipe",
        abstract: "Turn checked-in YAML pipelines into complete, correct CSV exports from the Analytics Reports API.",
        version: ExportPipeVersion.current,
        subcommands: [
            ValidateCommand.self,
            PlanCommand.self,
            RunCommand.self,
            StatusCommand.self,
            RetryCommand.self,
            ReportCommand.self,
            MergeCommand.self,
            SimulatorCommand.self,
            SchemaCommand.self,
            LoadCommand.self,
        ]
    )

    /// ArgumentParser's `main`, with standard output and standard error that a closed pipe cannot crash: a
    /// command whose reader went away (`exportpipe run … | head -3`) stops cleanly and exits with
    /// `ExitCodes.closedPipe`, as a shell reports a process ended by SIGPIPE.
    static func main() async {
        TerminalOutput.ignoreBrokenPipeSignal()
        LoggingSystem.bootstrap(TerminalLogHandler.init(label:))
        do {
            var command = try parseAsRoot()
            if var asyncCommand = command as? AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            if TerminalOutput.shared.closedPipe { exit(withError: ExitCode(ExitCodes.closedPipe)) }
            exit(withError: error)
        }
        if TerminalOutput.shared.closedPipe { exit(withError: ExitCode(ExitCodes.closedPipe)) }
    }
}

/// The tool's version, written into manifests.
enum ExportPipeVersion {
    static let current = "0.1.0"
}

/// Exit codes of the command line contract (see docs/architecture.md).
enum ExitCodes {
    static let success = RunExitCode.success
    static let failed = RunExitCode.failed
    static let specErrors = RunExitCode.specErrors
    /// `run.deadline` passed: the run stopped cleanly with its journal; run again to go on.
    static let deadline = RunExitCode.deadline
    /// `run --no-wait` found the state directory held by another run (EX_TEMPFAIL: try again later).
    static let stateDirectoryBusy = RunExitCode.stateDirectoryBusy
    static let interrupted = RunExitCode.interrupted
    /// Standard output or standard error was closed (`exportpipe run … | head`): the run stopped as on Ctrl-C, the
    /// journal is saved. 128 + SIGPIPE, the status a shell gives a process that SIGPIPE killed.
    static let closedPipe = RunExitCode.outputClosed
}

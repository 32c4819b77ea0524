import ArgumentParser
import Dispatch

/// The program's entry point.
///
/// Commands whose work is synchronous (`validate`, `plan`, `status`, `schema`, `merge`) run on the main thread
/// and never start Swift concurrency's thread pool; `run` and `simulator` run in a task while the main thread
/// serves the main queue. ArgumentParser's own async entry point would start the runtime for every command:
/// keeping the synchronous path off it took `exportpipe --version` from 23.8 to 21.6 MiB peak resident memory
/// (docs/merge.md, § Where the memory goes), which matters for `exportpipe merge`, whose memory promise is a
/// constant few MiB. A plain `exportpipe merge` command line is read without ArgumentParser (`MergeInvocation`).
@main
enum ExportPipeMain {
    static func main() {
        let arguments = Array(CommandLine.arguments.dropFirst())
        if arguments.first == "merge", let merge = MergeInvocation(plainArguments: Array(arguments.dropFirst())) {
            // The plain merge command line, read without ArgumentParser (see `MergeInvocation`).
            do {
                try merge.run()
            } catch {
                ExportPipe.exit(withError: error)
            }
            return
        }
        let command: ParsableCommand
        do {
            command = try ExportPipe.parseAsRoot()
        } catch {
            ExportPipe.exit(withError: error)
        }
        if let asyncCommand = command as? AsyncParsableCommand {
            let box = CommandBox(command: asyncCommand)
            Task {
                do {
                    var command = box.command
                    try await command.run()
                    ExportPipe.exit()
                } catch {
                    ExportPipe.exit(withError: error)
                }
            }
            dispatchMain()
        }
        do {
            var command = command
            try command.run()
        } catch {
            ExportPipe.exit(withError: error)
        }
    }
}

/// Carries the parsed command into its task: the command is created on the main thread and used only by the task.
private struct CommandBox: @unchecked Sendable {
    let command: AsyncParsableCommand
}

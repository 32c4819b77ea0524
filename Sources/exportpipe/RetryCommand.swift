import ArgumentParser

/// `exportpipe retry SPEC`: run again the chunks that failed for good, and merge the exports they complete.
struct RetryCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "retry",
        abstract: "Run again the chunks of a pipeline that failed for good; verified chunks are kept as they are.",
        discussion: """
            Reads the journal, picks the chunks that failed for good (all of them, those of --export, or the one \
            --chunk names; `exportpipe status` lists them), gives each a fresh budget of attempts and runs only \
            those, then merges every export they complete. Exit status as `run`: 0 all done, 1 some chunks failed \
            for good, 2 spec errors or a bad --export/--chunk, 130 interrupted.
            """
    )

    @Argument(help: "The pipeline spec file.", completion: .file(extensions: ["yaml", "yml"]))
    var spec: String

    @Option(help: "Retry only the failed chunks of this export.")
    var export: String?

    @Option(help: "Retry only this chunk (its id, as `exportpipe status` or the run report shows it).")
    var chunk: String?

    @OptionGroup var options: RunOptions

    func run() async throws {
        try await RunInvocation(
            specPath: spec, options: options, retry: RunInvocation.RetrySelection(export: export, chunk: chunk)
        ).perform()
    }
}

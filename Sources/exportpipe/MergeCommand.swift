import ArgumentParser

struct MergeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "merge", abstract: "Not built yet.")

    func run() async throws {
        throw ValidationError("'exportpipe merge' is not built yet.")
    }
}

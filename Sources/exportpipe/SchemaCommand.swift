import ArgumentParser

struct SchemaCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "schema", abstract: "Not built yet.")

    func run() async throws {
        throw ValidationError("'exportpipe schema' is not built yet.")
    }
}

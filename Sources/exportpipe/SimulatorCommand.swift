import ArgumentParser

struct SimulatorCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "simulator", abstract: "Not built yet.")

    func run() async throws {
        throw ValidationError("'exportpipe simulator' is not built yet.")
    }
}

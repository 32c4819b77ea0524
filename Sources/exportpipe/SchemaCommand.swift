import ArgumentParser
import ExportBasics
import ExportSpec
import Foundation

/// `exportpipe schema`: print the JSON Schema of pipeline spec v1, for editors' YAML language servers.
struct SchemaCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "schema",
        abstract: "Print the JSON Schema (draft 2020-12) of pipeline spec version 1.",
        discussion: "Point your editor's YAML language server at it, e.g. '# yaml-language-server: $schema=spec.json'."
    )

    func run() throws {
        TerminalOutput.shared.write(SpecSchema.json, to: .output)
    }
}

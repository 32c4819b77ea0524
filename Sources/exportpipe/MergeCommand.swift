import ArgumentParser
import CSVMerge
import Foundation

/// `exportpipe merge`: the merger on its own, for chunk files made elsewhere.
struct MergeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "merge",
        abstract: "Merge chunk CSV files into one CSV (atomically), optionally sorted and de-duplicated.",
        discussion: """
            Without --sort-by the files are concatenated in the order given (one header, records copied \
            byte for byte). With --sort-by they are k-way merged by those columns (ISO 8601 times compare as \
            instants, all-digit ids numerically). --dedupe-on drops rows whose key columns repeat an earlier row.
            """
    )

    @Option(name: .long, help: "The merged CSV to write (replaced atomically).")
    var out: String

    @Option(name: .customLong("sort-by"), help: "Comma-separated sort columns, e.g. event_time,record_id.")
    var sortBy: String?

    @Option(name: .customLong("dedupe-on"), help: "Comma-separated key columns that identify a row.")
    var dedupeOn: String?

    @Option(name: .long, help: "Add or update this export's entry in a manifest.json at this path.")
    var manifest: String?

    @Argument(help: "The chunk CSV files, in window order for a concatenation.")
    var files: [String]

    func validate() throws {
        guard !files.isEmpty else { throw ValidationError("Pass at least one chunk CSV file.") }
        for (name, value) in [("--sort-by", sortBy), ("--dedupe-on", dedupeOn)] {
            if let value, Self.columns(value).isEmpty { throw ValidationError("\(name) needs at least one column.") }
        }
    }

    func run() async throws {
        let sortColumns = sortBy.map(Self.columns)
        let options = MergeOptions(
            mode: sortColumns.map { .sorted(by: $0) } ?? .concatenate,
            deduplication: dedupeOn.map { MergeOptions.Deduplication(keyColumns: Self.columns($0)) })
        do {
            let result = try CSVMerger(options: options).merge(files.map { MergeInput(path: $0) }, into: out)
            if let manifest {
                let name = URL(fileURLWithPath: out).deletingPathExtension().lastPathComponent
                let entry = Manifest.Export(
                    name: name, file: ManifestWriter.relativePath(of: out, toManifestAt: manifest), result: result,
                    sortKey: sortColumns, window: nil)
                try ManifestWriter.update(at: manifest, with: entry, toolVersion: ExportPipeVersion.current)
            }
            print(
                "merged \(files.count) file\(files.count == 1 ? "" : "s") into \(out): \(result.rows) rows, "
                    + "\(result.bytes) bytes, sha256 \(result.sha256), \(result.duplicatesDropped) duplicates dropped")
        } catch let error as CSVMergeError {
            FileHandle.standardError.write(Data("error: \(error)\n".utf8))
            throw ExitCode(ExitCodes.failed)
        }
    }

    private static func columns(_ list: String) -> [String] {
        list.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }
}

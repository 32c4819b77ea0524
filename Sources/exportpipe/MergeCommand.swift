import ArgumentParser
import CSVMerge
import ExportBasics
import Foundation

/// `exportpipe merge`: the merger on its own, for chunk files made elsewhere.
struct MergeCommand: ParsableCommand {
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

    var job: MergeJob {
        MergeJob(out: out, sortBy: sortBy, dedupeOn: dedupeOn, manifest: manifest, files: files)
    }

    func validate() throws {
        if let problem = job.problem { throw ValidationError(problem) }
    }

    func run() throws {
        try job.run()
    }
}

/// What `exportpipe merge` was asked to do: the files, the output, and how to order and de-duplicate them.
struct MergeJob: Equatable {
    var out: String
    var sortBy: String?
    var dedupeOn: String?
    var manifest: String?
    var files: [String]

    init(out: String, sortBy: String? = nil, dedupeOn: String? = nil, manifest: String? = nil, files: [String]) {
        self.out = out
        self.sortBy = sortBy
        self.dedupeOn = dedupeOn
        self.manifest = manifest
        self.files = files
    }

    /// What is wrong with the job, in ArgumentParser's validation wording; `nil` when it can run.
    var problem: String? {
        if files.isEmpty { return "Pass at least one chunk CSV file." }
        if let sortBy, Self.columns(sortBy).isEmpty { return "--sort-by needs at least one column." }
        if let dedupeOn, Self.columns(dedupeOn).isEmpty { return "--dedupe-on needs at least one column." }
        return nil
    }

    func run() throws {
        do {
            let (options, warnings) = try resolvedOptions()
            for warning in warnings { TerminalOutput.shared.write("warning: \(warning)\n") }
            var result = try CSVMerger(options: options).merge(files.map { MergeInput(path: $0) }, into: out)
            result.warnings = warnings + result.warnings
            for warning in result.warnings.dropFirst(warnings.count) {
                TerminalOutput.shared.write("warning: \(warning)\n")
            }
            if let manifest {
                let name = URL(fileURLWithPath: out).deletingPathExtension().lastPathComponent
                var sortKey: [String]?
                if case .sorted(let columns) = options.mode { sortKey = columns }
                var entry = Manifest.Export(
                    name: name, file: ManifestWriter.relativePath(of: out, toManifestAt: manifest), result: result,
                    sortKey: sortKey, window: nil)
                entry.warnings = result.warnings.isEmpty ? nil : result.warnings
                try ManifestWriter.update(at: manifest, with: entry, toolVersion: ExportPipeVersion.current)
            }
            print(
                "merged \(files.count) file\(files.count == 1 ? "" : "s") into \(out): \(result.rows) rows, "
                    + "\(result.bytes) bytes, sha256 \(result.sha256), \(result.duplicatesDropped) duplicates dropped")
        } catch let error as CSVMergeError {
            TerminalOutput.shared.write("error: \(error)\n")
            throw ExitCode(ExitCodes.failed)
        }
    }

    /// The options, with the named columns found in the first header (`MergeOptions.resolving`, CSVMerge).
    func resolvedOptions() throws -> (MergeOptions, [String]) {
        try MergeOptions.resolving(
            files: files, sortBy: sortBy.map(Self.columns), dedupeOn: dedupeOn.map(Self.columns))
    }

    /// The names in a comma-separated list, blanks around them removed, empty ones dropped.
    static func columns(_ list: String) -> [String] {
        func isBlank(_ byte: UInt8) -> Bool { byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") }
        return list.utf8.split(separator: UInt8(ascii: ",")).compactMap { name in
            guard let first = name.firstIndex(where: { !isBlank($0) }),
                let last = name.lastIndex(where: { !isBlank($0) })
            else { return nil }
            return String(decoding: name[first...last], as: UTF8.self)
        }
    }
}

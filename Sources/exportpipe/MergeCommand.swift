import ArgumentParser
import CSVMerge
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

    var invocation: MergeInvocation {
        MergeInvocation(out: out, sortBy: sortBy, dedupeOn: dedupeOn, manifest: manifest, files: files)
    }

    func validate() throws {
        if let problem = invocation.problem { throw ValidationError(problem) }
    }

    func run() throws {
        try invocation.run()
    }
}

/// What `exportpipe merge` was asked to do, whichever way its command line was read.
///
/// `init?(plainArguments:)` reads the plain forms of a merge command line without ArgumentParser: `--out`,
/// `--sort-by`, `--dedupe-on` and `--manifest` (each at most once, as `--name value` or `--name=value`, values not
/// starting with `-`) and file arguments not starting with `-`. Anything else (help, `--`, an unknown or repeated
/// option, a missing value, a validation problem) returns `nil`, and ArgumentParser reads the command line as usual,
/// with its help and its error messages. The two readings agree on every line the plain one accepts (tested).
///
/// Why a second reader: ArgumentParser's reflection-based parsing touches about 1.7 MiB of code pages of this
/// statically linked binary, and `exportpipe merge` promises a constant, small whole-process peak memory
/// (≤ 16 MiB, BENCHMARKS.md § Merge) for merges run in CI loops and on small machines.
struct MergeInvocation: Equatable {
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

    init?(plainArguments arguments: [String]) {
        // Plain variables and a switch rather than a dictionary: every generic type instantiated here costs code
        // pages, which is what this reader exists to avoid.
        var out: String?
        var sortBy: String?
        var dedupeOn: String?
        var manifest: String?
        var files: [String] = []
        var index = 0
        while index < arguments.count {
            let argument = arguments[index]
            index += 1
            guard argument.hasPrefix("-") else {
                files.append(argument)
                continue
            }
            var name = argument
            var value: String?
            if let equals = argument.firstIndex(of: "=") {
                name = String(argument[..<equals])
                value = String(argument[argument.index(after: equals)...])
            } else if index < arguments.count {
                value = arguments[index]
                index += 1
            }
            guard let value, !value.isEmpty, !value.hasPrefix("-") else { return nil }
            switch name {
            case "--out" where out == nil: out = value
            case "--sort-by" where sortBy == nil: sortBy = value
            case "--dedupe-on" where dedupeOn == nil: dedupeOn = value
            case "--manifest" where manifest == nil: manifest = value
            default: return nil
            }
        }
        guard let out else { return nil }
        self.init(out: out, sortBy: sortBy, dedupeOn: dedupeOn, manifest: manifest, files: files)
        if problem != nil { return nil }
    }

    /// What is wrong with the invocation, in ArgumentParser's validation wording; `nil` when it can run.
    var problem: String? {
        if files.isEmpty { return "Pass at least one chunk CSV file." }
        if let sortBy, Self.columns(sortBy).isEmpty { return "--sort-by needs at least one column." }
        if let dedupeOn, Self.columns(dedupeOn).isEmpty { return "--dedupe-on needs at least one column." }
        return nil
    }

    func run() throws {
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

    /// The names in a comma-separated list, blanks around them removed, empty ones dropped.
    static func columns(_ list: String) -> [String] {
        list.split(separator: ",").compactMap { name in
            let trimmed = name.drop { $0 == " " || $0 == "\t" }.reversed().drop { $0 == " " || $0 == "\t" }
            return trimmed.isEmpty ? nil : String(trimmed.reversed())
        }
    }
}

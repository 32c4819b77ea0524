import AnalyticsAPI
import CSVMerge
import ExportBasics
import ExportExecutor
import ExportPlanner
import Foundation

/// `output.layout: merged` (the default): one CSV per export, `<output.dir>/<name>.csv`, byte-identical to one
/// export of the whole window, recorded in `<output.dir>/manifest.json` (rows, bytes, SHA-256, chunks).
public struct MergedOutput: RunOutput {
    public let directory: String
    /// The state directory's merge scratch (fan-out groups are concatenated there before the k-way merge).
    let scratchDirectory: String
    let toolVersion: String
    let specHash: String

    public init(directory: String, stateDirectory: StateDirectory, toolVersion: String, specHash: String) {
        self.directory = directory
        self.scratchDirectory = stateDirectory.mergeScratchPath
        self.toolVersion = toolVersion
        self.specHash = specHash
    }

    public var manifestPath: String? { directory + "/" + Manifest.fileName }
    private var manifestFile: String { directory + "/" + Manifest.fileName }

    public func removeLeftovers(of plan: Plan) {
        let manager = FileManager.default
        let finals = Set(plan.exports.map { "\($0.name).csv" } + [Manifest.fileName])
        for name in (try? manager.contentsOfDirectory(atPath: directory)) ?? []
        where name.hasPrefix(".") && name.hasSuffix(".tmp") && finals.contains(where: { name.hasPrefix(".\($0).") }) {
            try? manager.removeItem(atPath: directory + "/" + name)
        }
    }

    public func write(_ completed: CompletedExport) async throws -> OutputRecord {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let export = completed.export
        let output = directory + "/\(export.name).csv"
        let merged = try ExportMergePlan(
            exportName: export.name, chunks: completed.chunks, candidates: completed.candidates,
            override: completed.columnOverride, output: output, scratchDirectory: scratchDirectory,
            isCancelled: { Task.isCancelled }
        ).merge()
        var entry = Manifest.Export(
            name: export.name, file: ManifestWriter.relativePath(of: output, toManifestAt: manifestFile),
            result: merged.result, sortKey: merged.sortKey,
            window: TimeWindow(startMs: export.windowStartMillis, endMs: export.windowEndMillis))
        entry.chunks = merged.chunks
        entry.columnRoles = merged.roles
        entry.warnings = merged.warnings.isEmpty ? nil : merged.warnings
        try ManifestWriter.update(at: manifestFile, with: entry, toolVersion: toolVersion, specHash: specHash)
        return Self.record(entry)
    }

    public func current(_ exports: [String]) -> [String: OutputRecord] {
        guard let manifest = (try? ManifestWriter.read(from: manifestFile)) ?? nil else { return [:] }
        let wanted = Set(exports)
        return Dictionary(
            manifest.exports.filter { wanted.contains($0.name) }.map { ($0.name, Self.record($0)) },
            uniquingKeysWith: { first, _ in first })
    }

    private static func record(_ entry: Manifest.Export) -> OutputRecord {
        OutputRecord(
            exportName: entry.name,
            files: [WrittenFile(file: entry.file, rows: entry.rows, bytes: entry.bytes, sha256: entry.sha256)],
            warnings: entry.warnings ?? [])
    }
}

import ArgumentParser
import ExportBasics
import ExportExecutor
import ExportRun
import ExportSpec
import Foundation

/// A spec loaded for a command that works on its run (`run`, `retry`, `status`, `report`), with the folders it
/// names resolved against the spec's folder, in one place.
struct LoadedPipeline {
    var spec: PipelineSpec
    var specPath: String
    /// The spec's folder: relative paths in the spec are resolved against it.
    var baseDirectory: String
    var stateDirectory: String
    var journalPath: String
    var outputDirectory: String

    /// Loads `path` at `now` (windows and the retention check).
    /// - Parameter printWarnings: print warnings of a spec that loaded (errors are always printed).
    /// - Throws: `ExitCode(specErrors)` after printing the diagnostics when the spec has errors.
    static func load(_ path: String, now: Date = Date(), printWarnings: Bool = false) throws -> LoadedPipeline {
        let loaded = SpecLoader.load(contentsOf: path, now: now)
        if !loaded.diagnostics.isEmpty && (loaded.spec == nil || printWarnings) {
            TerminalOutput.shared.write(
                DiagnosticRenderer.render(loaded.diagnostics, source: loaded.source, format: .human))
        }
        guard let spec = loaded.spec else { throw ExitCode(ExitCodes.specErrors) }
        let base = URL(fileURLWithPath: path).deletingLastPathComponent().path
        let state = PipelineRun.resolve(spec.output.stateDir, against: base)
        return LoadedPipeline(
            spec: spec, specPath: path, baseDirectory: base, stateDirectory: state,
            journalPath: StateDirectory(state).journalPath,
            outputDirectory: PipelineRun.resolve(spec.output.dir, against: base))
    }
}

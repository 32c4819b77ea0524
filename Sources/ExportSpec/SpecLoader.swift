import ExportBasics
import Foundation

/// Reads a pipeline file: YAML → `PipelineSpec`, with every problem as a `Diagnostic`.
///
/// Needs no network and no credentials: `${VAR}` references are only syntax-checked; resolve them when running with
/// `Interpolated.resolve(environment:)`.
public enum SpecLoader {
    /// Loads the file at `path`. A missing or unreadable file is one error without a line (line 0).
    ///
    /// - Parameter now: the instant `today`, `now` and the retention check are evaluated against.
    public static func load(contentsOf path: String, now: Date = Date(), limits: YAMLLimits = .standard)
        -> SpecLoadResult
    {
        let noLine = SourceLocation(file: path, line: 0, column: 0)
        func fail(_ message: String, fix: String) -> SpecLoadResult {
            SpecLoadResult(spec: nil, diagnostics: [.error(at: noLine, message, fix: fix)], source: nil)
        }
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            return fail("no such file", fix: "check the path; specs usually live in pipelines/")
        }
        guard !isDirectory.boolValue else {
            return fail("is a folder, not a spec file", fix: "give the YAML files, e.g. \(path)/*.yaml")
        }
        if let size = (try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? NSNumber,
            size.intValue > limits.maxBytes
        {
            // At 1:1, as when the bytes are loaded directly: the file has content, so the error has a position.
            let start = SourceLocation(file: path, line: 1, column: 1)
            return SpecLoadResult(
                spec: nil,
                diagnostics: [
                    .error(
                        at: start,
                        "the file is \(size.intValue) bytes, over the \(limits.maxBytes)-byte limit for a pipeline file",
                        fix: "a pipeline file is a few KiB; check that the right file was given")
                ], source: nil)
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            return fail("cannot be read", fix: "check the file's permissions")
        }
        return load(bytes: [UInt8](data), file: path, now: now, limits: limits)
    }

    /// Loads spec text; `file` names it in diagnostics.
    public static func load(source: String, file: String, now: Date = Date(), limits: YAMLLimits = .standard)
        -> SpecLoadResult
    {
        load(bytes: Array(source.utf8), file: file, now: now, limits: limits)
    }

    /// Loads spec bytes; `file` names it in diagnostics. `sourceHash` is the SHA-256 of exactly these bytes.
    public static func load(bytes: [UInt8], file: String, now: Date = Date(), limits: YAMLLimits = .standard)
        -> SpecLoadResult
    {
        let yaml = YAMLLoader.load(bytes: bytes, file: file, limits: limits)
        guard let root = yaml.root else {
            return SpecLoadResult(
                spec: nil, diagnostics: DiagnosticRenderer.sorted(yaml.diagnostics), source: yaml.text)
        }
        var decoder = SpecDecoder(file: file, now: now)
        let spec = decoder.decodePipeline(root, sourceHash: sha256Hex(bytes))
        let diagnostics = DiagnosticRenderer.sorted(yaml.diagnostics + decoder.diagnostics)
        let hasErrors = diagnostics.contains { $0.severity == .error }
        return SpecLoadResult(spec: hasErrors ? nil : spec, diagnostics: diagnostics, source: yaml.text)
    }

    /// Lowercase hex SHA-256 of `bytes`.
    public static func sha256Hex(_ bytes: [UInt8]) -> String { Hex.sha256(bytes) }
}

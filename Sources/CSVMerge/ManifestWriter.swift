import Foundation

/// Reads and atomically writes `manifest.json`.
public enum ManifestWriter {
    /// The stable JSON form: sorted keys, pretty printed, snake_case, no escaped slashes, final newline.
    public static func encode(_ manifest: Manifest) throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        encoder.keyEncodingStrategy = .convertToSnakeCase
        return Array(try encoder.encode(manifest)) + [0x0A]
    }

    /// Writes `manifest` to `path` through a temporary file, fsync and rename.
    /// - Throws: `CSVMergeError` (`.cannotWrite`) when the directory is not writable.
    public static func write(_ manifest: Manifest, to path: String) throws {
        let bytes: [UInt8]
        do {
            bytes = try encode(manifest)
        } catch {
            throw CSVMergeError(kind: .manifest, file: path, message: "cannot encode the manifest: \(error)")
        }
        let file = try AtomicOutputFile(destination: path, bufferSize: max(bytes.count, 4096))
        defer { file.abort() }
        try file.write(bytes)
        _ = try file.commit()
    }

    /// The manifest at `path`, or `nil` when there is none.
    /// - Throws: `CSVMergeError` (`.manifest`) when the file exists but is not a manifest.
    public static func read(from path: String) throws -> Manifest? {
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        do {
            let data = try Data(contentsOf: URL(fileURLWithPath: path))
            let decoder = JSONDecoder()
            decoder.keyDecodingStrategy = .convertFromSnakeCase
            return try decoder.decode(Manifest.self, from: data)
        } catch {
            throw CSVMergeError(
                kind: .manifest, file: path,
                message: "is not a readable manifest (\(error)); move it away and merge again to write a new one.")
        }
    }

    /// Adds or replaces `export` in the manifest at `path` (creating it), and writes it atomically.
    /// - Returns: the manifest as written.
    @discardableResult
    public static func update(
        at path: String, with export: Manifest.Export, toolVersion: String, specHash: String? = nil
    ) throws -> Manifest {
        var manifest = try read(from: path) ?? Manifest(toolVersion: toolVersion, specHash: specHash)
        manifest.toolVersion = toolVersion
        if let specHash { manifest.specHash = specHash }
        manifest.upsert(export)
        try write(manifest, to: path)
        return manifest
    }

    /// `file` relative to the directory of `manifestPath` when it lies inside it, else unchanged.
    public static func relativePath(of file: String, toManifestAt manifestPath: String) -> String {
        let directory = URL(fileURLWithPath: manifestPath).deletingLastPathComponent().standardizedFileURL.path
        let absolute = URL(fileURLWithPath: file).standardizedFileURL.path
        let prefix = directory.hasSuffix("/") ? directory : directory + "/"
        return absolute.hasPrefix(prefix) ? String(absolute.dropFirst(prefix.count)) : file
    }
}

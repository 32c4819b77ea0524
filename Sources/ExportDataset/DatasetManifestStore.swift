import CSVMerge
import Foundation

/// Reads and atomically writes a dataset's `_manifest.json` (temporary file, fsync, rename).
public enum DatasetManifestStore {
    /// The stable JSON form: sorted keys, indented, snake_case, no escaped slashes, final newline.
    public static func encode(_ manifest: DatasetManifest) -> [UInt8] { manifest.jsonBytes() }

    /// The manifest encoded in `bytes`.
    /// - Throws: `DecodingError` when it is not one.
    public static func decode(_ bytes: Data) throws -> DatasetManifest {
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        return try decoder.decode(DatasetManifest.self, from: bytes)
    }

    /// The manifest at `path`, or nil when there is none.
    /// - Throws: `DatasetError` (`.manifest`) when the file exists but is not a manifest this version can read.
    public static func read(from path: String) throws -> DatasetManifest? {
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        let manifest: DatasetManifest
        do {
            manifest = try decode(try Data(contentsOf: URL(fileURLWithPath: path)))
        } catch {
            throw DatasetError(
                .manifest, file: path,
                "is not a readable dataset manifest (\(error)); move it away and run again: every partition is then "
                    + "exported again and the manifest rewritten")
        }
        guard manifest.formatVersion <= DatasetManifest.currentFormatVersion else {
            throw DatasetError(
                .manifest, file: path,
                "was written in format \(manifest.formatVersion) by a later exportpipe (this one reads up to "
                    + "\(DatasetManifest.currentFormatVersion)); use that version, or move the dataset away")
        }
        return manifest
    }

    /// Writes `manifest` to `path` through a temporary file, fsync and rename.
    /// - Throws: `CSVMergeError` (`.cannotWrite`) when the folder is not writable.
    public static func write(_ manifest: DatasetManifest, to path: String) throws {
        let bytes = encode(manifest)
        let file = try AtomicOutputFile(destination: path, bufferSize: max(bytes.count, 4096))
        defer { file.abort() }
        try file.write(bytes)
        try file.commit()
    }
}

import CSVMerge
import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Reads and atomically writes a dataset's `_manifest.json` (temporary file, fsync, rename).
///
/// A run looks at each manifest several times — to plan, to write its partitions, to load them, to count them — and
/// its history makes it long (540 daily partitions: 6.5 ms to decode in a release build), so the process keeps the
/// last manifest it read or wrote at each path with the file's identity then (device, inode, size, modification and
/// change times): a later read of the same unchanged file returns that value without decoding again. Every write
/// goes through a new file renamed into place (a new inode), so a manifest changed on disk, by this process or any
/// other, is always read again.
public enum DatasetManifestStore {
    /// The stable JSON form: sorted keys, indented, snake_case, no escaped slashes, final newline.
    public static func encode(_ manifest: DatasetManifest) -> [UInt8] { manifest.jsonBytes() }

    /// The manifest encoded in `bytes` (read by `JSONReader`, not `JSONDecoder`: see there).
    /// - Throws: `JSONReader.Failure` or `ManifestShapeError` when it is not one, naming where.
    public static func decode(_ bytes: Data) throws -> DatasetManifest {
        try DatasetManifest(json: [UInt8](bytes))
    }

    /// The manifest at `path`, or nil when there is none.
    /// - Throws: `DatasetError` (`.manifest`) when the file exists but is not a manifest this version can read.
    public static func read(from path: String) throws -> DatasetManifest? {
        guard let identity = FileIdentity(path) else { return nil }
        if let known = memory.manifest(at: path, identity: identity) { return known }
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
        // Kept only when the file did not change while it was read.
        if FileIdentity(path) == identity { memory.keep(manifest, at: path, identity: identity) }
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
        if let identity = FileIdentity(path) { memory.keep(manifest, at: path, identity: identity) }
    }

    private static let memory = Memory()

    /// Forgets every manifest read or written: what a new process starts with (the dataset bench calls it before
    /// each night, as each night's `exportpipe run` is a process of its own).
    public static func forgetAll() { memory.forgetAll() }

    /// The last manifest read or written at each path, with the file's identity then.
    private final class Memory: @unchecked Sendable {
        private let lock = NSLock()
        private var manifests: [String: (identity: FileIdentity, manifest: DatasetManifest)] = [:]

        func manifest(at path: String, identity: FileIdentity) -> DatasetManifest? {
            lock.withLock { manifests[path].flatMap { $0.identity == identity ? $0.manifest : nil } }
        }

        func keep(_ manifest: DatasetManifest, at path: String, identity: FileIdentity) {
            lock.withLock { manifests[path] = (identity, manifest) }
        }

        func forgetAll() { lock.withLock { manifests.removeAll() } }
    }
}

/// Which file is at a path and whether it changed: device, inode, size, modification and change times (ns).
struct FileIdentity: Equatable {
    var device: UInt64
    var inode: UInt64
    var bytes: Int64
    var modifiedNs: Int64
    var changedNs: Int64

    /// The regular file at `path`, or nil when there is none.
    init?(_ path: String) {
        var info = stat()
        guard stat(path, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else { return nil }
        #if canImport(Darwin)
            let (modified, changed) = (info.st_mtimespec, info.st_ctimespec)
        #else
            let (modified, changed) = (info.st_mtim, info.st_ctim)
        #endif
        device = UInt64(info.st_dev)
        inode = UInt64(info.st_ino)
        bytes = Int64(info.st_size)
        modifiedNs = Int64(modified.tv_sec) * 1_000_000_000 + Int64(modified.tv_nsec)
        changedNs = Int64(changed.tv_sec) * 1_000_000_000 + Int64(changed.tv_nsec)
    }
}

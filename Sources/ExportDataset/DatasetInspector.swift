import ExportBasics

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Looks at a dataset's files on disk for the decision: the cheap check first (size and modification time as the
/// manifest recorded them), the SHA-256 only for a file whose size is right but whose time moved — or for every file
/// whose size is right when asked to verify (`run --verify`, `plan --verify`, `status --verify`).
///
/// A nightly run over 540 partitions then costs 540 `stat` calls, not 540 files read (`scripts/bench-dataset`). What
/// the cheap check cannot see is a file changed in place with its size and modification time put back; `--verify`
/// reads every file and compares its SHA-256 with the manifest.
public enum DatasetInspector {
    /// The observation of every partition `manifest` lists.
    /// - Parameter verify: hash every file of the recorded size, whatever its modification time.
    public static func observe(_ manifest: DatasetManifest?, layout: DatasetLayout, verify: Bool = false)
        -> [PartitionKey: PartitionObservation]
    {
        guard let manifest else { return [:] }
        return observe(manifest.byKey, layout: layout, verify: verify)
    }

    /// The observation of every entry of a manifest (`DatasetManifest.byKey`).
    public static func observe(
        _ entries: [PartitionKey: DatasetManifest.Partition], layout: DatasetLayout, verify: Bool = false
    ) -> [PartitionKey: PartitionObservation] {
        var result: [PartitionKey: PartitionObservation] = [:]
        result.reserveCapacity(entries.count)
        // Each file's `stat` relative to the export's folder: the kernel walks two names, not the whole path.
        let folder = open(layout.root, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        defer { if folder >= 0 { close(folder) } }
        for (key, entry) in entries {
            let path = layout.root + "/" + entry.file
            let status =
                folder >= 0 && !entry.file.hasPrefix("/")
                ? PartitionObservation.fileStatus(entry.file, in: folder) : PartitionObservation.fileStatus(path)
            result[key] = observe(path, status: status, recorded: entry, verify: verify)
        }
        return result
    }

    /// The observation of one file against its manifest entry.
    public static func observe(_ path: String, recorded: DatasetManifest.Partition?, verify: Bool = false)
        -> PartitionObservation
    {
        observe(path, status: PartitionObservation.fileStatus(path), recorded: recorded, verify: verify)
    }

    /// The observation of the file at `path`, whose `status` was just taken.
    private static func observe(
        _ path: String, status: (bytes: Int64, modifiedNs: Int64)?, recorded: DatasetManifest.Partition?, verify: Bool
    ) -> PartitionObservation {
        guard let (bytes, modified) = status else { return .absent }
        guard let recorded, bytes == recorded.bytes, verify || modified != recorded.modifiedNs else {
            // Unrecorded, a different size (changed whatever its hash) or the recorded time (unchanged).
            return .present(bytes: bytes, modifiedNs: modified, sha256: nil)
        }
        // An unreadable file has no hash: it does not match the manifest.
        return .present(bytes: bytes, modifiedNs: modified, sha256: (try? Hex.sha256(ofFileAt: path)) ?? "")
    }
}

import ExportBasics

/// Looks at a dataset's files on disk for the decision: the cheap check first (size and modification time as the
/// manifest recorded them), the SHA-256 only for a file whose size is right but whose time moved.
///
/// A nightly run over 540 partitions then costs 540 `stat` calls, not 540 files read (`scripts/bench`).
public enum DatasetInspector {
    /// The observation of every partition `manifest` lists.
    public static func observe(_ manifest: DatasetManifest?, layout: DatasetLayout) -> [PartitionKey:
        PartitionObservation]
    {
        guard let manifest else { return [:] }
        var result: [PartitionKey: PartitionObservation] = [:]
        for (key, entry) in manifest.byKey {
            result[key] = observe(layout.root + "/" + entry.file, recorded: entry)
        }
        return result
    }

    /// The observation of one file against its manifest entry.
    public static func observe(_ path: String, recorded: DatasetManifest.Partition?) -> PartitionObservation {
        guard let (bytes, modified) = PartitionObservation.fileStatus(path) else { return .absent }
        guard let recorded, bytes == recorded.bytes, modified != recorded.modifiedNs else {
            // Unrecorded, a different size (changed whatever its hash) or the recorded time (unchanged).
            return .present(bytes: bytes, modifiedNs: modified, sha256: nil)
        }
        return .present(bytes: bytes, modifiedNs: modified, sha256: try? Hex.sha256(ofFileAt: path))
    }
}

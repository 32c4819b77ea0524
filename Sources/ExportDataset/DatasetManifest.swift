import CSVMerge
import ExportSpec

/// `<output.dir>/<export>/_manifest.json`: every partition of one export's dataset, what it holds and when it was
/// exported, so a run can tell what is missing, not settled or changed, and a reader can trust and check each file.
///
/// Encoded like `manifest.json` (sorted keys, pretty printed, snake_case, partitions in time order): the same
/// content always gives the same bytes. Written atomically after the partitions it lists (`DatasetManifestStore`).
public struct DatasetManifest: Codable, Sendable, Equatable {
    /// One partition file.
    public struct Partition: Codable, Sendable, Equatable {
        /// `2026-11-20` or `2026-11`.
        public var partition: String
        /// The file, relative to the manifest's folder: `day=2026-11-20/<export>.csv.gz`.
        public var file: String
        /// The window the file holds: the partition's, or the part of it inside the export's window then.
        public var window: TimeWindow
        /// Data rows (the header not counted).
        public var rows: Int
        /// The file's size on disk.
        public var bytes: Int64
        /// The size of the CSV once decompressed (`bytes` when it is not compressed).
        public var uncompressedBytes: Int64
        /// Lowercase hex SHA-256 of the uncompressed CSV: equal to one export of `window`'s.
        public var sha256: String
        /// Lowercase hex SHA-256 of the compressed file as stored; nil when it is not compressed (then `sha256`).
        public var fileSha256: String?
        /// The file's modification time when it was written, in nanoseconds since the epoch: a file whose size and
        /// time are unchanged is not read again to check its hash.
        public var modifiedNs: Int64
        /// When its rows were exported from the API: epoch milliseconds and, for people, ISO 8601 in the spec's zone.
        public var exportedAtMs: Int64
        public var exportedAt: String
        /// Whether it was exported `run.settle` or more after its window ended (late data then no longer changes it).
        public var settled: Bool

        public init(
            partition: String, file: String, window: TimeWindow, rows: Int, bytes: Int64, uncompressedBytes: Int64,
            sha256: String, fileSha256: String?, modifiedNs: Int64, exportedAtMs: Int64, exportedAt: String,
            settled: Bool
        ) {
            self.partition = partition
            self.file = file
            self.window = window
            self.rows = rows
            self.bytes = bytes
            self.uncompressedBytes = uncompressedBytes
            self.sha256 = sha256
            self.fileSha256 = fileSha256
            self.modifiedNs = modifiedNs
            self.exportedAtMs = exportedAtMs
            self.exportedAt = exportedAt
            self.settled = settled
        }

        /// The SHA-256 the file on disk must have.
        public var storedSha256: String { fileSha256 ?? sha256 }
    }

    /// The format of this file; a later version is refused rather than misread.
    public var formatVersion: Int
    /// The export's name (the dataset folder's name).
    public var export: String
    public var partitionGrain: PartitionGrain
    /// The IANA zone the partitions' days and months are in.
    public var timeZone: String
    public var compression: OutputCompression
    /// The version of exportpipe that last wrote it.
    public var toolVersion: String
    /// The partitions, in time order.
    public private(set) var partitions: [Partition]

    public static let currentFormatVersion = 1

    /// The file's keys as written (`jsonBytes`), for a `Codable` coder that embeds a manifest elsewhere; the store
    /// reads the file with `JSONReader` (`init(json:)`).
    enum CodingKeys: String, CodingKey {
        case formatVersion = "format_version"
        case export
        case partitionGrain = "partition_grain"
        case timeZone = "time_zone"
        case compression
        case toolVersion = "tool_version"
        case partitions
    }

    public init(
        export: String, partitionGrain: PartitionGrain, timeZone: String, compression: OutputCompression,
        toolVersion: String, partitions: [Partition] = []
    ) {
        formatVersion = Self.currentFormatVersion
        self.export = export
        self.partitionGrain = partitionGrain
        self.timeZone = timeZone
        self.compression = compression
        self.toolVersion = toolVersion
        self.partitions = partitions.sorted { $0.partition < $1.partition }
    }

    /// The entries by partition key (entries whose name is not a partition of this grain are left out).
    public var byKey: [PartitionKey: Partition] {
        var result: [PartitionKey: Partition] = [:]
        for entry in partitions {
            if let key = PartitionKey(parsing: entry.partition, grain: partitionGrain) { result[key] = entry }
        }
        return result
    }

    /// Adds `entry`, replacing the entry of the same partition, keeping time order.
    public mutating func upsert(_ entry: Partition) {
        if let index = partitions.firstIndex(where: { $0.partition == entry.partition }) {
            partitions[index] = entry
            return
        }
        let index = partitions.firstIndex { $0.partition > entry.partition } ?? partitions.count
        partitions.insert(entry, at: index)
    }
}

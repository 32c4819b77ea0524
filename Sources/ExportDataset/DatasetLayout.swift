import ExportSpec

/// Where one export's dataset lives on disk, Hive-style so DuckDB, Spark, Athena and pandas read it as it is:
///
/// ```
/// <output.dir>/<export>/_manifest.json
/// <output.dir>/<export>/day=2026-11-20/<export>.csv[.gz]     (or month=2026-11/)
/// ```
///
/// Every name the dataset writes is defined here, once.
public struct DatasetLayout: Sendable, Hashable {
    /// The manifest's file name, beside the partition folders (a leading `_` so Hive-style readers skip it).
    public static let manifestName = "_manifest.json"

    /// `<output.dir>`, as used (absolute or relative to the working directory).
    public var outputDirectory: String
    public var exportName: String
    public var grain: PartitionGrain
    public var compression: OutputCompression

    public init(outputDirectory: String, exportName: String, grain: PartitionGrain, compression: OutputCompression) {
        self.outputDirectory = outputDirectory
        self.exportName = exportName
        self.grain = grain
        self.compression = compression
    }

    /// `<output.dir>/<export>`: the export's dataset folder.
    public var root: String { outputDirectory + "/" + exportName }

    /// `<output.dir>/<export>/_manifest.json`.
    public var manifestPath: String { root + "/" + Self.manifestName }

    /// `<export>.csv` or `<export>.csv.gz`: every partition's file name.
    public var fileName: String { exportName + ".csv" + compression.fileSuffix }

    /// `day=2026-11-20/<export>.csv.gz`: a partition's file relative to `root` (as the manifest lists it).
    public func relativePath(of key: PartitionKey) -> String { key.directoryName + "/" + fileName }

    /// The folder of a partition.
    public func directory(of key: PartitionKey) -> String { root + "/" + key.directoryName }

    /// The file of a partition.
    public func path(of key: PartitionKey) -> String { root + "/" + relativePath(of: key) }
}

/// `output.compression`: how the files of a partitioned dataset are stored.
public enum OutputCompression: String, Sendable, Hashable, Codable, CaseIterable {
    /// Plain CSV, `<name>.csv` (the default).
    case none
    /// gzip, `<name>.csv.gz`; the manifest's SHA-256 is still that of the uncompressed bytes.
    case gzip

    /// The file name extension after `.csv`: empty or `.gz`.
    public var fileSuffix: String { self == .gzip ? ".gz" : "" }
}

/// Where one record of a `CSVScanner` lies: its number, its offset in the file and its size.
///
/// The record's bytes themselves live in the scanner's buffer and are read through the scanner
/// (`recordBytes`, `field(_:)`) until the next call that advances it.
public struct CSVRecord: Sendable, Equatable {
    /// The 1-based record number in its file (the header is record 1).
    public var number: Int
    /// The offset of the record's first byte from the start of the file.
    public var byteOffset: Int64
    /// The number of fields in the record.
    public var fieldCount: Int
    /// The record's size in bytes, line ending included.
    public var length: Int
    /// The record's size in bytes without its line ending (`length` when the file ends without one).
    public var contentLength: Int

    /// Whether the record ends with a line ending (the last record of a file may not).
    public var hasLineEnding: Bool { contentLength != length }
}

/// A run of complete, validated records from a `CSVScanner`, as the raw bytes of the file.
///
/// Concatenation copies these blocks straight to the output: the bytes are valid until the scanner advances.
public struct RecordBlock {
    /// The records' bytes, exactly as in the file, line endings included.
    public var bytes: UnsafeRawBufferPointer
    /// How many records the block holds.
    public var records: Int
    /// Whether the block's last record ends with a line ending (only the last record of a file may not).
    public var endsWithLineEnding: Bool
}

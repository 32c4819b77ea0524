/// What a merge wrote: the numbers that go into the manifest and the summary line.
public struct MergeResult: Sendable, Equatable {
    /// What one input contributed.
    public struct InputSummary: Sendable, Equatable {
        public var input: MergeInput
        /// Data records read (header excluded).
        public var rows: Int
        /// Data records written (rows − duplicates dropped).
        public var rowsWritten: Int
        /// Whether the input's columns were in another order and its records were rewritten.
        public var reordered: Bool
    }

    /// The output file's path.
    public var output: String
    /// The output's column names.
    public var columns: [String]
    /// Data records written (header excluded).
    public var rows: Int
    /// Bytes written, header included.
    public var bytes: Int64
    /// Lowercase hex SHA-256 of the output, computed while writing.
    public var sha256: String
    /// Rows dropped as duplicates of an earlier row.
    public var duplicatesDropped: Int
    /// Per input, in the order given to the merger.
    public var inputs: [InputSummary]
    /// What the merge could not do as asked and did instead (an input out of order, times it could not read);
    /// each a sentence naming the file.
    public var warnings: [String] = []
}

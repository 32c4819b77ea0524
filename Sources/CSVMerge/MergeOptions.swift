/// How `CSVMerger` combines its inputs.
public struct MergeOptions: Sendable {
    /// How rows from different inputs are ordered.
    public enum Mode: Sendable, Hashable {
        /// Inputs cover disjoint time windows: copy them in window order (given order when windows are unknown),
        /// one header, records as raw bytes.
        case concatenate
        /// Inputs overlap in time (fan-out): a k-way merge ordered by these columns, compared per column as
        /// instants (ISO 8601) when both values parse, numerically when both are all digits, else bytewise.
        /// For the API's exports pass the catalog's sort key: `[timeColumn, idColumn]`.
        case sorted(by: [String])
    }

    /// Streaming de-duplication of rows present in two chunks.
    public struct Deduplication: Sendable, Hashable {
        /// The columns whose values identify a row.
        public var keyColumns: [String]
        /// Rows are compared only with earlier rows of the same value of this column (usually the time column),
        /// so memory holds the keys of one timestamp. `nil`: in a sorted merge, the sort key groups rows; in a
        /// concatenation, the last `recentKeyLimit` keys are remembered instead.
        public var groupColumn: String?
        /// How many recent keys a concatenation without `groupColumn` remembers.
        public var recentKeyLimit: Int
        /// In a concatenation without `groupColumn`: compare only the leading rows of each input with the last
        /// `recentKeyLimit` rows of the input before it (the overlap of adjacent windows), instead of any recent row.
        public var boundaryOnly: Bool

        public init(
            keyColumns: [String], groupColumn: String? = nil, recentKeyLimit: Int = 10_000, boundaryOnly: Bool = false
        ) {
            self.keyColumns = keyColumns
            self.groupColumn = groupColumn
            self.recentKeyLimit = recentKeyLimit
            self.boundaryOnly = boundaryOnly
        }
    }

    public var mode: Mode
    public var deduplication: Deduplication?
    /// The sort column that holds times: read with `TimeValueReader` in each input's `timeReading` (offsets, zones
    /// without offsets, epoch seconds or milliseconds). Other sort columns compare as described under `Mode`.
    public var timeColumn: String?
    /// The read buffer per input (memory is about inputs × this in a sorted merge).
    public var readBufferSize: Int
    /// The write buffer of the output.
    public var writeBufferSize: Int
    /// In a sorted merge, fail when an input is not itself ordered by the sort key (the output would not be);
    /// `false`: keep going (the input's rows keep their file order) and say so in `MergeResult.warnings`.
    public var requireSortedInputs: Bool
    /// Polled between blocks of records; returning `true` aborts the merge (the previous output is kept).
    public var isCancelled: @Sendable () -> Bool

    public init(
        mode: Mode = .concatenate, deduplication: Deduplication? = nil, timeColumn: String? = nil,
        readBufferSize: Int = CSVScanner.defaultBufferSize, writeBufferSize: Int = 256 << 10,
        requireSortedInputs: Bool = true, isCancelled: @escaping @Sendable () -> Bool = { false }
    ) {
        self.mode = mode
        self.deduplication = deduplication
        self.timeColumn = timeColumn
        self.readBufferSize = readBufferSize
        self.writeBufferSize = writeBufferSize
        self.requireSortedInputs = requireSortedInputs
        self.isCancelled = isCancelled
    }
}

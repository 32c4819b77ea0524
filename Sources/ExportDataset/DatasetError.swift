/// A problem with a partitioned dataset, with text written for the person who must fix it.
public struct DatasetError: Error, CustomStringConvertible, Equatable, Sendable {
    /// What kind of problem this is; tests and callers switch on it, people read `description`.
    public enum Kind: Equatable, Sendable {
        /// `_manifest.json` exists but cannot be read, or was written by a later format.
        case manifest
        /// The export has no time column to split its rows by, or a value in it is in no known form.
        case timeColumn
        /// Rows go back in time, so they cannot be split into partitions in one pass.
        case rowsOutOfOrder
        /// What was written to a partition's temporary file is not what it reads back as.
        case checkFailed
        /// The chunks given do not cover the partitions asked for.
        case coverage
        case cannotWrite
        case cancelled
    }

    public var kind: Kind
    /// The file the problem is in (or the dataset folder).
    public var file: String
    /// What went wrong and what to do next.
    public var message: String

    public init(_ kind: Kind, file: String, _ message: String) {
        self.kind = kind
        self.file = file
        self.message = message
    }

    public var description: String { "\(file): \(message)" }
}

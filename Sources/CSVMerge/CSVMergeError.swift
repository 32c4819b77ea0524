/// A problem found while scanning or merging CSV files, with text written for the person who must fix it.
///
/// Every error about file contents names the file, the 1-based record number (the header is record 1) and the
/// byte offset of the record in that file, so the bad spot can be opened with `head -c`/`tail -c` or an editor.
public struct CSVMergeError: Error, CustomStringConvertible, Equatable, Sendable {
    /// What kind of problem this is; tests and callers switch on it, people read `description`.
    public enum Kind: Equatable, Sendable {
        case cannotOpen
        case cannotRead
        case cannotWrite
        case unterminatedQuote
        case unexpectedQuote
        case textAfterClosingQuote
        case raggedRecord
        case recordTooLarge
        case missingHeader
        case headerMismatch
        case duplicateColumn
        case unknownColumn
        case overlappingWindows
        case inputNotSorted
        case noInputs
        case manifest
        case cancelled
    }

    public var kind: Kind
    /// The file the problem is in (or the output, for write errors).
    public var file: String
    /// The 1-based record number (header = 1), when the problem is inside a file.
    public var record: Int?
    /// The byte offset, from the start of the file, of the record (or of the offending byte).
    public var byteOffset: Int64?
    /// What went wrong and what to do next.
    public var message: String

    public init(kind: Kind, file: String, record: Int? = nil, byteOffset: Int64? = nil, message: String) {
        self.kind = kind
        self.file = file
        self.record = record
        self.byteOffset = byteOffset
        self.message = message
    }

    public var description: String {
        var location = file
        if let record { location += ": record \(record)" }
        if let byteOffset { location += " (byte offset \(byteOffset))" }
        return "\(location): \(message)"
    }
}

/// Why a summary, metrics file or report could not be made. Every text names the file or the chunk and
/// says what to do.
public struct RunReportingError: Error, Sendable, Hashable, CustomStringConvertible {
    private enum Kind: Sendable, Hashable {
        case write
        case journal
    }

    private let kind: Kind
    public let description: String

    /// A file could not be written.
    static func write(_ path: String, _ reason: String) -> RunReportingError {
        RunReportingError(kind: .write, description: "cannot write \(path): \(reason)")
    }

    /// The journal (or its event log) could not be read or written.
    static func journal(_ text: String) -> RunReportingError { RunReportingError(kind: .journal, description: text) }
}

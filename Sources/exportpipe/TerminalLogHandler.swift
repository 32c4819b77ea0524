import ExportBasics
import Foundation
import Logging

/// swift-log's handler for the command line: one line per message on standard error, written through
/// `TerminalOutput` (a closed pipe cannot crash it) and, while a live progress board is drawn, above the board (a
/// message written past it would be erased, or leave a stale copy of the board, at the next redraw). The line has
/// the form of swift-log's own `StreamLogHandler`: time, level, label, metadata, `[source]`, message.
struct TerminalLogHandler: LogHandler {
    /// The live board messages go above, while one is drawn.
    static let board = BoardSlot()

    let label: String
    var logLevel: Logger.Level = .info
    var metadata: Logger.Metadata = [:]

    init(label: String) { self.label = label }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(
        level: Logger.Level, message: Logger.Message, metadata explicit: Logger.Metadata?, source: String,
        file: String, function: String, line: UInt
    ) {
        let merged = metadata.merging(explicit ?? [:]) { _, new in new }
        let pairs = merged.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
        let text =
            "\(Self.timestamp()) \(level) \(label):" + (pairs.isEmpty ? "" : " \(pairs)") + " [\(source)] \(message)"
        if let renderer = Self.board.renderer {
            renderer.printAbove(text)
        } else {
            TerminalOutput.shared.write(text + "\n")
        }
    }

    private static func timestamp() -> String {
        var now = time(nil)
        var parts = tm()
        localtime_r(&now, &parts)
        var buffer = [Int8](repeating: 0, count: 64)
        let count = strftime(&buffer, buffer.count, "%Y-%m-%dT%H:%M:%S%z", &parts)
        return String(decoding: buffer.prefix(count).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// The progress renderer drawing a live board now, if any.
    final class BoardSlot: @unchecked Sendable {
        private let lock = NSLock()
        private weak var value: ProgressRenderer?
        var renderer: ProgressRenderer? {
            get { lock.withLock { value } }
            set { lock.withLock { value = newValue } }
        }
    }
}

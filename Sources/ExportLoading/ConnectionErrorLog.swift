import Foundation
import Logging

/// The connection pool's background logger: forwards warnings and errors to the loader's own handler and remembers
/// the last connection error the pool reported (`psql_error`), so a load that times out while connecting can say
/// why (`sslUnsupported`, a refused connection, a failed authentication) instead of only that it waited. The
/// metadata holds error codes, never a password.
final class ConnectionErrorLog: @unchecked Sendable {
    private let lock = NSLock()
    private var last: String?

    /// The last connection error seen, if any.
    var lastError: String? { lock.withLock { last } }

    func record(_ text: String) { lock.withLock { last = text } }

    /// A logger whose messages reach `base`'s handler from `.warning` on, and whose `psql_error` is recorded here.
    func logger(forwardingTo base: Logger) -> Logger {
        let handler = Handler(base: base.handler, log: self)
        return Logger(label: base.label) { _ in handler }
    }

    private struct Handler: LogHandler {
        var base: any LogHandler
        let log: ConnectionErrorLog
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(event: LogEvent) {
            if let error = event.metadata?["psql_error"] ?? metadata["psql_error"] {
                log.record("\(error)")
            }
            guard event.level >= .warning else { return }
            base.log(event: event)
        }
    }
}

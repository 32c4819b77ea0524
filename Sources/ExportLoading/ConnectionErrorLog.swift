import Foundation
import Logging

/// The connection pool's background logger: forwards warnings and errors to the loader's own handler and remembers
/// the last connection error the pool reported (`psql_error`), so a load that times out while connecting can say
/// why (`sslUnsupported`, a refused connection, a failed authentication) instead of only that it waited. The
/// metadata holds error codes, never a password.
///
/// A connection error no retry can mend (`permanentReason`) ends the wait at once (`untilPermanentFailure`): the pool
/// would otherwise try again until the connect timeout, two minutes by default, before the loader could say why.
final class ConnectionErrorLog: @unchecked Sendable {
    private let lock = NSLock()
    private var last: String?
    private var permanent: String?
    private var waiters: [UUID: CheckedContinuation<String?, Never>] = [:]

    /// The last connection error seen, if any (an attempt cancelled as the pool closed does not hide the error
    /// before it).
    var lastError: String? { lock.withLock { last } }

    func record(_ text: String) {
        let (resumed, why): ([CheckedContinuation<String?, Never>], String?) = lock.withLock {
            if last != nil && text.contains("CancellationError") { return ([], nil) }
            last = text
            guard permanent == nil, let why = Self.permanentReason(text) else { return ([], nil) }
            permanent = why
            defer { waiters = [:] }
            return (Array(waiters.values), why)
        }
        for waiter in resumed { waiter.resume(returning: why) }
    }

    /// Why a connection error (as the pool logs it, `String(reflecting:)` of a `PSQLError`) will happen again on
    /// every attempt, or nil when a retry may succeed (a refused or reset connection: a server starting).
    static func permanentReason(_ text: String) -> String? {
        if text.contains("code: sslUnsupported") {
            return "the server does not offer TLS, which sslmode=require asks for: enable TLS on the server, or use "
                + "sslmode=prefer (or disable) on a private network"
        }
        for (state, why) in [
            ("28P01", "the server refused the password"),
            ("28000", "the server refused the user (pg_hba.conf or the role)"),
            ("3D000", "the database does not exist"),
        ] where text.contains("sqlState: \(state)") {
            return why + " (SQLSTATE \(state))"
        }
        return nil
    }

    /// Returns why, once a permanent connection error is recorded; nil when the caller is cancelled first.
    func untilPermanentFailure() async -> String? {
        let id = UUID()
        return await withTaskCancellationHandler {
            await withCheckedContinuation { (waiter: CheckedContinuation<String?, Never>) in
                let now: String?? = lock.withLock {
                    if let permanent { return .some(permanent) }
                    if Task.isCancelled { return .some(nil) }
                    waiters[id] = waiter
                    return .none
                }
                if let now { waiter.resume(returning: now) }
            }
        } onCancel: {
            lock.withLock { waiters.removeValue(forKey: id) }?.resume(returning: nil)
        }
    }

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

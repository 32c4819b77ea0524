import ExportBasics
import Foundation

/// SIGINT/SIGTERM during a run: the first one asks the run to stop (it stops submitting and leaves the journal
/// consistent); a second SIGINT exits at once with 130 — the journal is consistent at every instant, so that is safe
/// too.
final class InterruptHandler: Sendable {
    private let handler: SignalHandler

    init(onInterrupt: @escaping @Sendable () -> Void) {
        let count = Counter()
        handler = SignalHandler([SIGINT, SIGTERM]) { _ in
            if count.increment() == 1 {
                FileHandle.standardError.write(
                    Data("\nstopping: no new submissions; press Ctrl-C again to exit at once\n".utf8))
                onInterrupt()
            } else {
                exit(130)
            }
        }
    }

    func stop() { handler.stop() }
}

/// The number of signals seen.
private final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var value = 0

    func increment() -> Int {
        lock.withLock {
            value += 1
            return value
        }
    }
}

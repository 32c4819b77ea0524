import ExportBasics
import Foundation

/// SIGINT/SIGTERM during a run: the first one asks the run to stop (it stops submitting and leaves the journal
/// consistent); a second SIGINT exits at once with 130 — the journal is consistent at every instant, so that is safe
/// too. A closed standard output or standard error (`exportpipe run … | head`) stops the run the same way, and the
/// command then exits with `ExitCodes.closedPipe` (141).
final class InterruptHandler: Sendable {
    private let handler: SignalHandler

    init(onInterrupt: @escaping @Sendable () -> Void) {
        let count = Counter()
        handler = SignalHandler([SIGINT, SIGTERM]) { _ in
            if count.increment() == 1 {
                TerminalOutput.shared.write("\nstopping: no new submissions; press Ctrl-C again to exit at once\n")
                onInterrupt()
            } else {
                exit(130)
            }
        }
        TerminalOutput.shared.onClosedPipe { stream in
            guard count.increment() == 1 else { return }
            // The other stream may still be read (`run … | head` closes only standard output).
            TerminalOutput.shared.write(
                "\nstopping: standard \(stream == .output ? "output" : "error") was closed; no new submissions; "
                    + "the journal is saved\n", to: stream == .output ? .error : .output)
            onInterrupt()
        }
    }

    func stop() {
        handler.stop()
        TerminalOutput.shared.removeClosedPipeHandler()
    }
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

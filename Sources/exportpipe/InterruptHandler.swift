import Foundation

/// SIGINT/SIGTERM: the first one asks the run to stop (it stops submitting and leaves the journal consistent);
/// a second SIGINT exits at once with 130 — the journal is consistent at every instant, so that is safe too.
final class InterruptHandler: @unchecked Sendable {
    private var sources: [DispatchSourceSignal] = []
    private let lock = NSLock()
    private var interrupts = 0

    init(onInterrupt: @escaping @Sendable () -> Void) {
        for signalNumber in [SIGINT, SIGTERM] {
            signal(signalNumber, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: signalNumber, queue: .global())
            source.setEventHandler { [weak self] in
                guard let self else { return }
                let count = self.lock.withLock {
                    self.interrupts += 1
                    return self.interrupts
                }
                if count == 1 {
                    FileHandle.standardError.write(
                        Data("\nstopping: no new submissions; press Ctrl-C again to exit at once\n".utf8))
                    onInterrupt()
                } else {
                    exit(130)
                }
            }
            source.resume()
            sources.append(source)
        }
    }

    func stop() {
        for source in sources { source.cancel() }
        signal(SIGINT, SIG_DFL)
        signal(SIGTERM, SIG_DFL)
    }
}

import ExportBasics
import ExportExecutor
import Foundation
import RunReporting

/// Shows a run's progress: a live board on a terminal (`ProgressBoard`: per export done, waiting, at the server,
/// downloading, failed; lines cut to the terminal's width; redrawn every second so the clock moves), one plain
/// line per state change otherwise, or one JSON object per line for machines. Every text it prints comes from
/// redacted events. Writes go through `TerminalOutput`, so a closed pipe stops the run instead of crashing it.
final class ProgressRenderer: @unchecked Sendable {
    enum Style: String {
        case auto
        case tty
        case plain
        case json
    }

    private let style: Style
    private let lock = NSLock()
    private var board: ProgressBoard
    private var lastDraw = Date.distantPast
    private var drawnLines = 0
    private var finished = false
    private let started = Date()
    private let output = TerminalOutput.shared
    private var timer: DispatchSourceTimer?

    /// - Parameters:
    ///   - totals: chunks per export, in the order exports should be shown.
    ///   - reused: per export, the chunks verified by earlier runs and kept, and their rows (shown as done from the
    ///     start, so the table counts what the merged file holds).
    ///   - kept: the ids of the reused chunks.
    init(
        style: Style, totals: [(export: String, chunks: Int)], reused: [String: (chunks: Int, rows: Int64)] = [:],
        kept: Set<String> = []
    ) {
        if style == .auto {
            self.style = output.isTerminal(.error) ? .tty : .plain
        } else {
            self.style = style
        }
        board = ProgressBoard(
            exports: totals.map {
                ($0.export, $0.chunks, reused[$0.export]?.chunks ?? 0, reused[$0.export]?.rows ?? 0)
            },
            kept: kept)
        if self.style == .tty {
            startClock()
            TerminalLogHandler.board.renderer = self
        }
    }

    /// A line from elsewhere (a log message): printed above the live board, which is drawn again below it.
    func printAbove(_ text: String) {
        lock.withLock {
            clear()
            write(text + "\n")
            if !finished { draw() }
        }
    }

    deinit { timer?.cancel() }

    func handle(_ event: ProgressEvent) {
        lock.withLock {
            board.apply(event)
            switch style {
            case .json:
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
                if let data = try? encoder.encode(event) { output.write(data + Data("\n".utf8), to: .output) }
            case .plain, .auto:
                if let line = plainLine(event) { write(line + "\n") }
            case .tty:
                guard !finished else { return }
                // Windows exported again are named at the end, from the run's outcome (as in the summary).
                if [.failed, .split, .stuck, .warning, .loadFailed].contains(event.kind), let line = plainLine(event) {
                    clear()
                    write(line + "\n")
                }
                if Date().timeIntervalSince(lastDraw) > 0.1 || event.kind == .finished { draw() }
            }
        }
    }

    /// The final table, printed once the run ends.
    func finish(summary: ExecutionSummary) {
        timer?.cancel()
        if TerminalLogHandler.board.renderer === self { TerminalLogHandler.board.renderer = nil }
        lock.withLock {
            if style == .tty, !finished { draw() }
            finished = true
            guard style != .json else { return }
            var lines = [""] + board.table()
            lines.append(
                "this run: \(summary.verified - summary.reused) chunks verified, \(summary.reused) kept from earlier "
                    + "runs, \(summary.failed.count) failed, in \(duration(Date().timeIntervalSince(started)))")
            lines.append(
                "  \(summary.submissions) submissions, \(summary.rejections) queue rejections absorbed, "
                    + "\(summary.statusRequests) status requests, \(summary.retries) retries, \(summary.splits) splits")
            for failure in summary.failed {
                lines.append("failed for good: \(failure.exportName) chunk \(failure.id): \(failure.error)")
            }
            write(lines.joined(separator: "\n") + "\n")
        }
    }

    /// Redraws every second, so the clock moves while no event comes (jobs at the server for minutes).
    private func startClock() {
        let timer = DispatchSource.makeTimerSource(queue: DispatchQueue.global(qos: .utility))
        timer.schedule(deadline: .now() + 1, repeating: 1)
        timer.setEventHandler { [weak self] in
            guard let self else { return }
            self.lock.withLock { if !self.finished, self.drawnLines > 0 { self.draw() } }
        }
        timer.resume()
        self.timer = timer
    }

    private func plainLine(_ event: ProgressEvent) -> String? {
        let now = Date()
        let time = InstantFormat.timeOfDay(
            Int64((now.timeIntervalSince1970 * 1000).rounded(.down)),
            offsetMillis: Int64(TimeZone.current.secondsFromGMT(for: now)) * 1000)
        var parts = [time, pad(event.kind.rawValue, 10)]
        if let export = event.export { parts.append(export) }
        if let chunk = event.chunk { parts.append("chunk \(chunk)") }
        if let user = event.user { parts.append("as \(user)") }
        if let rows = event.rows { parts.append("\(rows) rows") }
        if let total = event.total { parts.append("\(event.done ?? 0)/\(total) chunks done") }
        if let message = event.message { parts.append("— \(message)") }
        if event.kind == .reattached { parts.append("— submitted by an earlier run; followed until it ends") }
        return parts.joined(separator: " ")
    }

    private func draw() {
        clear()
        let lines = board.lines(
            width: output.columns(of: .error) ?? 80, elapsed: Date().timeIntervalSince(started))
        write(lines.joined(separator: "\n") + "\n")
        drawnLines = lines.count
        lastDraw = Date()
    }

    private func clear() {
        guard drawnLines > 0 else { return }
        write("\r" + String(repeating: "\u{1B}[1A\u{1B}[2K", count: drawnLines))
        drawnLines = 0
    }

    private func write(_ text: String) { output.write(text, to: .error) }

    private func pad(_ text: String, _ width: Int) -> String {
        text.count >= width ? text + " " : text + String(repeating: " ", count: width - text.count)
    }

    private func duration(_ seconds: Double) -> String {
        let total = Int(seconds.rounded())
        if total < 60 { return "\(total)s" }
        if total < 3600 { return "\(total / 60)m\(String(format: "%02d", total % 60))s" }
        return "\(total / 3600)h\(String(format: "%02d", (total % 3600) / 60))m"
    }
}

import ExportExecutor
import Foundation

/// Shows a run's progress: live bars on a terminal, one plain line per state change otherwise, or one JSON
/// object per line for machines. Every text it prints comes from redacted events.
final class ProgressRenderer: @unchecked Sendable {
    enum Style: String {
        case auto
        case tty
        case plain
        case json
    }

    private struct Tally {
        var total = 0
        var done = 0
        var running = 0
        var failed = 0
        var rows: Int64 = 0
    }

    private let style: Style
    private let lock = NSLock()
    private var tallies: [String: Tally] = [:]
    private var order: [String] = []
    private var lastDraw = Date.distantPast
    private var drawnLines = 0
    private let started = Date()
    private let output = FileHandle.standardError

    /// - Parameter totals: chunks per export, in the order exports should be shown.
    init(style: Style, totals: [(export: String, chunks: Int)]) {
        if style == .auto {
            self.style = isatty(STDERR_FILENO) != 0 ? .tty : .plain
        } else {
            self.style = style
        }
        for (export, chunks) in totals {
            order.append(export)
            tallies[export] = Tally(total: chunks)
        }
    }

    func handle(_ event: ProgressEvent) {
        lock.withLock {
            update(with: event)
            switch style {
            case .json:
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
                if let data = try? encoder.encode(event) {
                    FileHandle.standardOutput.write(data + Data("\n".utf8))
                }
            case .plain, .auto:
                if let line = plainLine(event) { write(line + "\n") }
            case .tty:
                if [.failed, .split, .stuck, .warning].contains(event.kind), let line = plainLine(event) {
                    clear()
                    write(line + "\n")
                }
                if Date().timeIntervalSince(lastDraw) > 0.1 || event.kind == .finished { draw() }
            }
        }
    }

    /// The final table, printed once the run ends.
    func finish(summary: ExecutionSummary) {
        lock.withLock {
            if style == .tty { draw() }
            guard style != .json else { return }
            var lines = ["", pad("export", 28) + pad("chunks", 10) + pad("failed", 8) + "rows"]
            for export in order {
                let tally = tallies[export] ?? Tally()
                lines.append(
                    pad(export, 28) + pad("\(tally.done)/\(tally.total)", 10) + pad("\(tally.failed)", 8)
                        + "\(tally.rows)")
            }
            lines.append(
                "\(summary.verified) chunks verified (\(summary.reused) from earlier runs), \(summary.failed.count) failed, "
                    + "\(summary.submissions) submissions, \(summary.rejections) queue rejections absorbed, "
                    + "\(summary.statusRequests) status requests, \(summary.retries) retries, \(summary.splits) splits, in \(duration(Date().timeIntervalSince(started)))"
            )
            for failure in summary.failed {
                lines.append("failed for good: \(failure.exportName) chunk \(failure.id): \(failure.error)")
            }
            write(lines.joined(separator: "\n") + "\n")
        }
    }

    private func update(with event: ProgressEvent) {
        guard let export = event.export else { return }
        if tallies[export] == nil {
            order.append(export)
            tallies[export] = Tally()
        }
        var tally = tallies[export] ?? Tally()
        switch event.kind {
        case .submitted, .reattached: tally.running += 1
        case .rejected, .completed, .retrying: tally.running = max(0, tally.running - 1)
        case .split:
            tally.running = max(0, tally.running - 1)
            tally.total += 1  // one chunk became two
        case .failed:
            tally.running = max(0, tally.running - 1)
            tally.failed += 1
        case .verified:
            tally.done += 1
            tally.rows += event.rows ?? 0
        case .started, .finished, .replanned, .stuck, .held, .retired, .exportStopped, .warning, .running: break
        }
        tallies[export] = tally
    }

    private func plainLine(_ event: ProgressEvent) -> String? {
        let time = ISO8601DateFormatter.string(
            from: Date(), timeZone: .current, formatOptions: [.withTime, .withColonSeparatorInTime])
        var parts = [time, pad(event.kind.rawValue, 10)]
        if let export = event.export { parts.append(export) }
        if let chunk = event.chunk { parts.append("chunk \(chunk)") }
        if let user = event.user { parts.append("as \(user)") }
        if let rows = event.rows { parts.append("\(rows) rows") }
        if let total = event.total { parts.append("\(event.done ?? 0)/\(total) chunks done") }
        if let message = event.message { parts.append("— \(message)") }
        return parts.joined(separator: " ")
    }

    private func draw() {
        clear()
        let elapsed = Date().timeIntervalSince(started)
        var lines: [String] = []
        for export in order {
            let tally = tallies[export] ?? Tally()
            let fraction = tally.total > 0 ? Double(tally.done) / Double(tally.total) : 0
            let width = 24
            let filled = Int(fraction * Double(width))
            let bar = String(repeating: "█", count: filled) + String(repeating: "░", count: width - filled)
            let eta = fraction > 0 && fraction < 1 ? " eta " + duration(elapsed / fraction - elapsed) : ""
            lines.append(
                pad(export, 24) + " " + bar + " " + pad("\(tally.done)/\(tally.total)", 9) + " running "
                    + pad("\(max(0, tally.running))", 3) + " failed " + pad("\(tally.failed)", 3)
                    + " rows \(tally.rows)"
                    + " " + duration(elapsed) + eta)
        }
        write(lines.joined(separator: "\n") + "\n")
        drawnLines = lines.count
        lastDraw = Date()
    }

    private func clear() {
        guard drawnLines > 0 else { return }
        write(String(repeating: "\u{1B}[1A\u{1B}[2K", count: drawnLines))
        drawnLines = 0
    }

    private func write(_ text: String) { output.write(Data(text.utf8)) }

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

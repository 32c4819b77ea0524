import ExportExecutor
import Foundation

/// What the live progress display shows, kept from the run's progress events and drawn as text lines that fit a
/// terminal's width (a line that wraps makes the next redraw leave a copy behind). Pure: events in, lines out; the
/// command line's `ProgressRenderer` puts the lines on the terminal and redraws them every second, so the clock
/// moves while nothing else does.
///
/// Per export it shows chunks done of planned (chunks verified by earlier runs included when the caller passes
/// them), and where the others are: waiting for a slot (not submitted yet), at the server — queued and running
/// apart once the server's statuses tell them apart (`queued` and `running` events: the API documents no queued
/// state) — downloading, failed. A line says when the run follows jobs an earlier run submitted.
public struct ProgressBoard: Sendable {
    /// Where a chunk of this run is now.
    enum Phase: Sendable, Hashable {
        /// Submitted (or its submit's outcome unknown), not yet seen running.
        case queued
        case running
        case downloading
    }

    struct Export: Sendable {
        var name: String
        var total: Int
        var done: Int
        var failed = 0
        var rows: Int64 = 0
        /// Done when the run began (verified by earlier runs).
        var initialDone: Int
    }

    private var exports: [Export] = []
    private var index: [String: Int] = [:]
    /// Chunks at the server or downloading, with their export.
    private var phases: [String: (export: String, phase: Phase)] = [:]
    /// Chunks this run found in flight from an earlier run and follows, still unfinished.
    private var followed: Set<String> = []
    /// Whether the server's statuses told a job queued or running: until then "queued" and "running" cannot be
    /// told apart, and the board shows them together as "at server".
    private var statesTold = false
    /// The chunks counted done from the start (kept from earlier runs): a `replanned` one of them is done no more.
    private var kept: Set<String>

    /// - Parameters:
    ///   - exports: each export's chunks and, when known, how many of them are verified already (reused from
    ///     earlier runs) with their rows, in the order they are shown.
    ///   - kept: the ids of those reused chunks. A chunk exported again that was not among them (a window verified
    ///     within `run.settle`, planned again) was never counted done, so its `replanned` event changes no count.
    public init(exports: [(name: String, chunks: Int, done: Int, rows: Int64)], kept: Set<String> = []) {
        self.kept = kept
        for export in exports {
            add(
                Export(
                    name: export.name, total: export.chunks, done: export.done, rows: export.rows,
                    initialDone: export.done))
        }
    }

    private mutating func add(_ export: Export) {
        index[export.name] = exports.count
        exports.append(export)
    }

    /// One progress event.
    public mutating func apply(_ event: ProgressEvent) {
        guard let name = event.export else { return }
        if index[name] == nil { add(Export(name: name, total: 0, done: 0, initialDone: 0)) }
        let at = index[name]!
        let chunk = event.chunk ?? ""
        switch event.kind {
        case .submitted, .held:
            phases[chunk] = (name, .queued)
        case .reattached:
            phases[chunk] = (name, .queued)
            followed.insert(chunk)
        case .queued:
            statesTold = true
            if phases[chunk] != nil { phases[chunk] = (name, .queued) }
        case .running:
            statesTold = true
            if phases[chunk] != nil { phases[chunk] = (name, .running) }
        case .completed:
            phases[chunk] = (name, .downloading)
        case .verified:
            finish(chunk)
            exports[at].done += 1
            exports[at].rows += event.rows ?? 0
        case .failed:
            finish(chunk)
            exports[at].failed += 1
        case .split:
            finish(chunk)
            exports[at].total += 1  // one chunk became two
        case .replanned:
            // A kept chunk whose file changed is exported again: it is done no more.
            if kept.remove(chunk) != nil { exports[at].done = max(0, exports[at].done - 1) }
        case .rejected, .retrying, .stuck, .retired:
            finish(chunk)
        case .started, .finished, .exportStopped, .warning, .loaded, .loadFailed:
            break
        }
    }

    private mutating func finish(_ chunk: String) {
        phases[chunk] = nil
        followed.remove(chunk)
    }

    /// The counts of one export, or of all when `export` is nil.
    public struct Counts: Sendable, Hashable {
        public var total = 0
        public var done = 0
        public var failed = 0
        /// Not submitted yet: waiting for a slot (or for the run to get to them).
        public var waiting = 0
        public var queued = 0
        public var running = 0
        public var downloading = 0
        public var rows: Int64 = 0
    }

    public func counts(_ export: String? = nil) -> Counts {
        var counts = Counts()
        for entry in exports where export == nil || entry.name == export {
            counts.total += entry.total
            counts.done += entry.done
            counts.failed += entry.failed
            counts.rows += entry.rows
        }
        for (_, value) in phases where export == nil || value.export == export {
            switch value.phase {
            case .queued: counts.queued += 1
            case .running: counts.running += 1
            case .downloading: counts.downloading += 1
            }
        }
        counts.waiting = max(
            0, counts.total - counts.done - counts.failed - counts.queued - counts.running - counts.downloading)
        return counts
    }

    /// Jobs from an earlier run this run still follows.
    public var following: Int { followed.count }

    /// The live display at `width` columns after `elapsed` seconds: a header with the clock, one line per export,
    /// and the line about jobs left by an earlier run. No line is wider than `width - 1` columns.
    public func lines(width: Int, elapsed: Double) -> [String] {
        let width = max(20, width)
        let wide = width >= 120
        let all = counts()
        var header = "exportpipe · \(Self.clock(elapsed)) · \(all.done)/\(all.total) chunks done"
        let doneHere = all.done - initialDone
        if doneHere > 0, all.done < all.total, elapsed > 0 {
            // Only a rough guide: chunks differ in size, and several run at once.
            header += " · about \(Self.clock(elapsed / Double(doneHere) * Double(all.total - all.done))) left"
        }
        if all.total > 0, all.done + all.failed == all.total {
            // Every chunk is verified or failed: the run merges and writes its outputs now (seconds for big files).
            header += " · writing the outputs"
        }
        var lines = [header]
        let nameWidth = min(wide ? 28 : 20, max(6, exports.map(\.name.count).max() ?? 6))
        let barWidth = wide ? 20 : 8
        for export in exports {
            let c = counts(export.name)
            let fraction = c.total > 0 ? Double(c.done) / Double(c.total) : 0
            let filled = min(barWidth, Int(fraction * Double(barWidth)))
            let bar = String(repeating: "█", count: filled) + String(repeating: "░", count: barWidth - filled)
            var fields = [
                Self.fit(export.name, nameWidth), bar, Self.pad("\(c.done)/\(c.total)", wide ? 9 : 7),
            ]
            let atServer: [String]
            if statesTold {
                atServer = [
                    wide
                        ? Self.pad("at server: \(c.queued) queued, \(c.running) running", 32)
                        : "q \(c.queued) run \(c.running)"
                ]
            } else {
                atServer = [wide ? "at server \(Self.pad(c.queued))" : "server \(c.queued)"]
            }
            if wide {
                fields +=
                    ["waiting \(Self.pad(c.waiting))"] + atServer + [
                        "downloading \(Self.pad(c.downloading))", "failed \(Self.pad(c.failed))",
                        "rows \(Self.number(c.rows))",
                    ]
            } else {
                fields +=
                    ["wait \(c.waiting)"] + atServer + [
                        "dl \(c.downloading)", "fail \(c.failed)", Self.short(c.rows) + " rows",
                    ]
            }
            lines.append(fields.joined(separator: wide ? "  " : " "))
        }
        if !followed.isEmpty {
            lines.append(
                "following \(followed.count) job(s) an earlier run submitted: their status is polled until they end")
        }
        return lines.map { Self.truncate($0, to: width - 1) }
    }

    /// Chunks done before this run's own work began (reused): not a measure of this run's pace.
    private var initialDone: Int { exports.reduce(0) { $0 + $1.initialDone } }

    /// The end-of-run table: per export, chunks done of planned (reused included), failed and rows.
    public func table() -> [String] {
        let nameWidth = max(6, exports.map(\.name.count).max() ?? 6) + 2
        var lines = [Self.pad("export", nameWidth) + Self.pad("done", 10) + Self.pad("failed", 8) + "rows"]
        for export in exports {
            let c = counts(export.name)
            lines.append(
                Self.pad(export.name, nameWidth) + Self.pad("\(c.done)/\(c.total)", 10) + Self.pad("\(c.failed)", 8)
                    + Self.number(c.rows))
        }
        return lines
    }

    // MARK: - Text

    /// 0m59s, 1h02m.
    public static func clockText(_ seconds: Double) -> String { clock(seconds) }

    static func clock(_ seconds: Double) -> String {
        let total = max(0, Int(seconds.rounded(.down)))
        if total < 3600 { return "\(total / 60)m\(String(format: "%02d", total % 60))s" }
        return "\(total / 3600)h\(String(format: "%02d", (total % 3600) / 60))m"
    }

    static func pad(_ value: Int) -> String { pad("\(value)", 3) }

    static func pad(_ text: String, _ width: Int) -> String {
        text.count >= width ? text + " " : text + String(repeating: " ", count: width - text.count)
    }

    /// `text` in exactly `width` columns: padded, or cut with an ellipsis.
    static func fit(_ text: String, _ width: Int) -> String {
        text.count <= width
            ? text + String(repeating: " ", count: width - text.count) : String(text.prefix(width - 1)) + "…"
    }

    static func truncate(_ text: String, to width: Int) -> String {
        text.count <= width ? text : String(text.prefix(max(1, width - 1))) + "…"
    }

    static func number(_ value: Int64) -> String { PageModel.number(value) }

    /// 950, 12.3k, 4.1M.
    static func short(_ value: Int64) -> String {
        if value < 1000 { return "\(value)" }
        if value < 1_000_000 { return String(format: "%.1fk", Double(value) / 1000) }
        return String(format: "%.1fM", Double(value) / 1_000_000)
    }
}

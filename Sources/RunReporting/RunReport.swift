import AnalyticsAPI
import CSVMerge
import ExportExecutor
import Foundation
import Mustache

/// The run report: one self-contained HTML page (inline CSS and SVG; no script, no font, no link to anything)
/// with the per-export table, every job of the latest run on its user's slots, the number of jobs at the server
/// over time, and the run's use of its slots against the plan's lower bound. Rendered with swift-mustache from
/// `RunReportTemplate`; every value is escaped by the template engine.
public struct RunReport: Sendable {
    public var snapshot: JournalSnapshot
    /// The manifest beside the outputs, for the merged files' rows and SHA-256.
    public var manifest: Manifest?
    /// The spec file as the user names it, for the commands the page suggests.
    public var specPath: String
    /// When the page is made (seconds since 1970): the end of a run still going.
    public var now: Double
    public var limits: QueueLimits

    public init(
        snapshot: JournalSnapshot, manifest: Manifest?, specPath: String, now: Double = Date().timeIntervalSince1970,
        limits: QueueLimits = .documented
    ) {
        self.snapshot = snapshot
        self.manifest = manifest
        self.specPath = specPath
        self.now = now
        self.limits = limits
    }

    /// The file name beside the outputs.
    public static let fileName = "report.html"

    /// The page.
    public func html() -> String {
        // The template is a constant of this target: a parse error is a bug caught by the tests, not by users.
        let template = try! MustacheTemplate(string: RunReportTemplate.page)
        return template.render(PageModel(self))
    }

    /// Writes the page atomically.
    /// - Throws: `RunReportingError.write`.
    public func write(to path: String) throws { try AtomicFile.write(Array(html().utf8), to: path) }
}

// MARK: - What the template sees

struct PageModel {
    struct ExportRow {
        var name: String
        var chunks: Int
        var verified: Int
        var inFlight: Int
        var toDo: Int
        var failed: Int
        var rows: String
        var bytes: String
        var sha256: String
        var complete: Bool
        var hasFailures: Bool
    }

    struct FailedRow {
        var id: String
        var export: String
        var window: String
        var attempts: Int
        var error: String
        var command: String
    }

    struct Fact {
        var label: String
        var value: String
    }

    struct Rect {
        var x: String
        var y: String
        var width: String
        var height: String
        var phase: String
        var title: String
    }

    struct Marker {
        var x: String
        var y: String
        var symbol: String
        var mark: String
        var title: String
    }

    struct Label {
        var x: String
        var y: String
        var text: String
    }

    struct Line {
        var x1: String
        var y1: String
        var x2: String
        var y2: String
    }

    var title: String
    var subtitle: String
    var running: Bool
    var facts: [Fact]
    var exports: [ExportRow]
    var failed: [FailedRow]
    var hasFailed: Bool
    var hasTimeline: Bool
    /// Whether the log tells queued from running (it does when the executor reports a job's start).
    var hasRunning: Bool
    var noTimelineReason: String
    // Timeline
    var width: String
    var timelineHeight: String
    var plotLeft: String
    var plotRight: String
    var laneLabels: [Label]
    var laneLines: [Line]
    var ticks: [Label]
    var tickLines: [Line]
    var rects: [Rect]
    var markers: [Marker]
    var markerCount: Int
    // Jobs at the server
    var countHeight: String
    var countPath: String
    var countLimitY: String
    var countLimitLabel: String
    var countLabels: [Label]
    var countTicks: [Label]
    var slotsY: String
    var slotsLabel: String

    init(_ report: RunReport) {
        let snapshot = report.snapshot
        let run = snapshot.run
        let name = run?.pipeline ?? "pipeline"
        title = "exportpipe run report: \(name)"
        let ended = run?.finishedAt
        running = run != nil && ended == nil
        let end = ended ?? max(report.now, snapshot.events.last?.at ?? 0)
        let start = run?.startedAt ?? end
        if let run {
            subtitle =
                "\(run.command) #\(run.number), started \(Self.iso(run.startedAt))"
                + (ended.map { ", ended \(Self.iso($0))" } ?? ", still going (as of \(Self.iso(report.now)))")
        } else {
            subtitle = "the journal has no run log (written by an older exportpipe): the timeline is not available"
        }

        // Per-export table, from the journal's chunks.
        let byExport = Dictionary(grouping: snapshot.records, by: \.exportName)
        let names = (run?.exports ?? []) + byExport.keys.sorted().filter { !(run?.exports ?? []).contains($0) }
        let outputs = Dictionary(
            (report.manifest?.exports ?? []).map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        var failedRows: [FailedRow] = []
        exports = names.map { export in
            let records = (byExport[export] ?? []).filter { $0.state != .split }
            let verified = records.filter { $0.state == .verified }
            let failed = records.filter { $0.state == .failed }
            for record in failed {
                failedRows.append(
                    FailedRow(
                        id: record.id, export: export,
                        window:
                            "\(Self.iso(Double(record.windowStart) / 1000)) – \(Self.iso(Double(record.windowEnd) / 1000))",
                        attempts: record.attempts, error: record.lastError ?? "no error was recorded",
                        command: "exportpipe retry \(report.specPath) --chunk \(record.id)"))
            }
            let output = outputs[export]
            let complete = !records.isEmpty && verified.count == records.count
            return ExportRow(
                name: export, chunks: records.count, verified: verified.count,
                inFlight: records.filter { $0.state.mayBeOutstanding || $0.state == .completed }.count,
                toDo: records.filter { $0.state == .planned }.count, failed: failed.count,
                rows: Self.number(verified.reduce(0) { $0 + ($1.rows ?? 0) }),
                bytes: Self.bytes(verified.reduce(0) { $0 + ($1.bytes ?? 0) }),
                sha256: complete ? (output.map { String($0.sha256.prefix(16)) + "…" } ?? "") : "",
                complete: complete, hasFailures: !failed.isEmpty)
        }
        failed = failedRows
        hasFailed = !failedRows.isEmpty

        // Timeline.
        let users = run?.users ?? []
        let slotsPerUser = max(1, min(report.limits.runningPerUser, run.map { max(1, $0.slots) } ?? 1))
        let timeline = RunTimeline(
            events: snapshot.events, users: users, start: start, end: end, slotsPerUser: slotsPerUser)
        let wall = timeline.duration
        let slots = run?.slots ?? 0
        let scale = run.map { $0.timeScale > 0 ? $0.timeScale : 1 } ?? 1
        let bound = (run?.lowerBoundSeconds ?? 0) / scale
        let utilisation = slots > 0 && wall > 0 ? timeline.busySeconds / (Double(slots) * wall) : nil
        let share = bound > 0 && wall > 0 ? min(1, bound / wall) : nil
        let verifiedNow = snapshot.events.filter { $0.kind == "verified" }.count
        facts = [
            Fact(label: "wall time", value: Self.seconds(wall)),
            Fact(label: "plan's lower bound", value: run == nil ? "–" : Self.seconds(bound)),
            Fact(label: "achieved share of the bound", value: share.map(Self.percent) ?? "–"),
            Fact(
                label: "slot utilisation",
                value: utilisation.map { "\(Self.percent($0)) of \(slots) slots" } ?? "–"),
            Fact(label: "jobs at the server, peak", value: "\(timeline.peakAtServer)"),
            Fact(label: "chunks verified in this run", value: "\(verifiedNow)"),
            Fact(
                label: "rejections · retries · splits",
                value: ["rejected", "retrying", "split"].map { kind in
                    "\(snapshot.events.filter { $0.kind == kind }.count)"
                }.joined(separator: " · ")),
        ]
        if scale != 1 {
            facts.append(Fact(label: "time scale", value: "\(Self.number(Int64(scale))) API seconds per second"))
        }

        let plotLeft = 140.0
        let plotRight = 1140.0
        let laneHeight = 22.0
        let top = 24.0
        width = "1160"
        self.plotLeft = Self.f(plotLeft)
        self.plotRight = Self.f(plotRight)
        let span = max(wall, 0.001)
        func x(_ t: Double) -> Double { plotLeft + (plotRight - plotLeft) * min(max(t / span, 0), 1) }
        var laneY: [String: Double] = [:]
        var labels: [Label] = []
        var lines: [Line] = []
        var y = top
        for (user, count) in timeline.lanes {
            for lane in 0..<count {
                laneY["\(user)\u{0}\(lane)"] = y
                labels.append(Label(x: Self.f(plotLeft - 8), y: Self.f(y + 15), text: "\(user) · slot \(lane + 1)"))
                y += laneHeight
            }
            lines.append(Line(x1: Self.f(plotLeft), y1: Self.f(y), x2: Self.f(plotRight), y2: Self.f(y)))
        }
        for lane in 0..<timeline.downloadLanes {
            laneY["\u{1}\(lane)"] = y
            labels.append(Label(x: Self.f(plotLeft - 8), y: Self.f(y + 15), text: "download \(lane + 1)"))
            y += laneHeight
        }
        if timeline.downloadLanes > 0 {
            lines.append(Line(x1: Self.f(plotLeft), y1: Self.f(y), x2: Self.f(plotRight), y2: Self.f(y)))
        }
        let bottom = y
        laneLabels = labels
        laneLines = lines
        timelineHeight = Self.f(bottom + 30)
        let tickValues = Self.ticks(span)
        ticks = tickValues.map { Label(x: Self.f(x($0)), y: Self.f(bottom + 18), text: Self.seconds($0)) }
        tickLines = tickValues.map {
            Line(x1: Self.f(x($0)), y1: Self.f(top - 4), x2: Self.f(x($0)), y2: Self.f(bottom))
        }
        rects = timeline.segments.compactMap { segment in
            let download = segment.phase == .downloading
            let key = download ? "\u{1}\(segment.lane)" : "\(segment.user)\u{0}\(segment.lane)"
            guard let laneTop = laneY[key] else { return nil }
            let x0 = x(segment.start)
            let width = max(x(segment.end) - x0, 1.5)
            return Rect(
                x: Self.f(x0), y: Self.f(laneTop + 4), width: Self.f(width), height: "14",
                phase: segment.phase.rawValue,
                title:
                    "\(segment.export) · chunk \(segment.chunk) · \(segment.phase.rawValue) \(Self.seconds(segment.start))–\(Self.seconds(segment.end))"
            )
        }
        markers = timeline.markers.compactMap { marker in
            guard let laneTop = laneY["\(marker.user)\u{0}\(marker.lane)"] else { return nil }
            return Marker(
                x: Self.f(x(marker.at)), y: Self.f(laneTop + 11), symbol: Self.symbol(marker.mark),
                mark: marker.mark.rawValue,
                title: "chunk \(marker.chunk) \(marker.mark.rawValue) at \(Self.seconds(marker.at))"
                    + (marker.message.map { ": \($0)" } ?? ""))
        }
        markerCount = timeline.markers.count
        hasRunning = timeline.segments.contains { $0.phase == .running }
        hasTimeline = run != nil && !timeline.segments.isEmpty
        noTimelineReason =
            run == nil
            ? "This journal has no run log yet." : "No job was submitted in this run (every chunk was reused)."

        // Jobs at the server over time, with the company's limit.
        let countTop = 14.0
        let countPlot = 120.0
        let limit = Double(report.limits.runningPerCompany)
        let ceiling = max(limit, Double(timeline.peakAtServer), 1)
        func cy(_ value: Double) -> Double { countTop + countPlot * (1 - value / ceiling) }
        var path = "M\(Self.f(x(0))),\(Self.f(cy(0)))"
        var last = 0
        for (time, count) in timeline.atServer {
            path += " L\(Self.f(x(time))),\(Self.f(cy(Double(last)))) L\(Self.f(x(time))),\(Self.f(cy(Double(count))))"
            last = count
        }
        path += " L\(Self.f(x(span))),\(Self.f(cy(Double(last))))"
        countPath = path
        countHeight = Self.f(countTop + countPlot + 30)
        countLimitY = Self.f(cy(limit))
        countLimitLabel = "company limit: \(report.limits.runningPerCompany) running"
        slotsY = Self.f(cy(Double(slots)))
        slotsLabel = "this pipeline's slots: \(slots)"
        countLabels = stride(from: 0, through: Int(ceiling), by: 1).map {
            Label(x: Self.f(plotLeft - 8), y: Self.f(cy(Double($0)) + 4), text: "\($0)")
        }
        countTicks = tickValues.map {
            Label(x: Self.f(x($0)), y: Self.f(countTop + countPlot + 18), text: Self.seconds($0))
        }
    }

    static func symbol(_ mark: RunTimeline.Mark) -> String {
        switch mark {
        case .rejected: "×"
        case .retrying: "↻"
        case .split: "◆"
        case .failed: "■"
        case .stuck: "‖"
        }
    }

    /// Round tick values: 5 to 10 of them over the span.
    static func ticks(_ span: Double) -> [Double] {
        let steps: [Double] = [0.1, 0.2, 0.5, 1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 14_400]
        let step = steps.first { span / $0 <= 10 } ?? 28_800
        return stride(from: 0, through: span, by: step).map { $0 }
    }

    static func f(_ value: Double) -> String { String(format: "%.1f", value) }

    static func seconds(_ value: Double) -> String {
        if value < 10 { return String(format: "%.1f s", value) }
        if value < 120 { return String(format: "%.0f s", value) }
        if value < 7200 { return String(format: "%d m %02d s", Int(value) / 60, Int(value) % 60) }
        return String(format: "%d h %02d m", Int(value) / 3600, Int(value) % 3600 / 60)
    }

    static func percent(_ value: Double) -> String { String(format: "%.0f %%", value * 100) }

    static func number(_ value: Int64) -> String {
        let digits = String(value)
        var out = ""
        for (index, character) in digits.enumerated() {
            if index > 0, (digits.count - index) % 3 == 0 { out.append(",") }
            out.append(character)
        }
        return out
    }

    static func bytes(_ value: Int64) -> String {
        let units = ["B", "KiB", "MiB", "GiB", "TiB"]
        var amount = Double(value)
        var unit = 0
        while amount >= 1024, unit < units.count - 1 {
            amount /= 1024
            unit += 1
        }
        return unit == 0 ? "\(value) B" : "\(String(format: "%.1f", amount)) \(units[unit])"
    }

    static func iso(_ seconds: Double) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        formatter.timeZone = TimeZone(identifier: "UTC")
        return formatter.string(from: Date(timeIntervalSince1970: seconds))
    }
}

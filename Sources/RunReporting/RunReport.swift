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
    /// How the run ended, for the banner: from the summary of the run that just ended. Without it the page takes
    /// what the run log recorded (`exportpipe report` later), and shows no banner when that says nothing.
    public var status: Status?

    public init(
        snapshot: JournalSnapshot, manifest: Manifest?, specPath: String, now: Double = Date().timeIntervalSince1970,
        limits: QueueLimits = .documented, status: Status? = nil
    ) {
        self.snapshot = snapshot
        self.manifest = manifest
        self.specPath = specPath
        self.now = now
        self.limits = limits
        self.status = status
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

    /// The status banner: how the run ended, its error and what to do.
    struct Banner {
        var tone: String
        var headline: String
        var exitCode: Int
        var error: String
        var hasError: Bool
        var advice: String
        var command: String
        var hasCommand: Bool
    }

    var title: String
    /// Zero or one banner (a section the template shows when present).
    var banners: [Banner]
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

        // The banner: how the run ended (the summary's status, else the run log's), while it is not still going.
        let status = report.status ?? (running ? nil : run?.status)
        banners =
            status.map { status in
                let advice = status.advice(specPath: report.specPath)
                return [
                    Banner(
                        tone: status.tone, headline: status.headline, exitCode: status.exitCode,
                        error: status.error ?? "",
                        hasError: status.error != nil, advice: advice.text, command: advice.command ?? "",
                        hasCommand: advice.command != nil)
                ]
            } ?? []

        // Per-export table: the leaves of the run's plan, as the run's own table and summary count them.
        let table = Self.exportTable(report)
        exports = table.rows
        let failedRows = table.failed
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
        // The bound is for all the work the run set out to do: a run that stopped before doing it is not measured
        // against it (1 chunk of 13 done in a few seconds is not "100 %" of anything).
        let leaves = table.leaves
        let settled = leaves.filter { $0.state == .verified || $0.state == .failed }.count
        let didItsWork = status?.finishedItsWork ?? (!running && settled == leaves.count && table.unrecorded == 0)
        let share = didItsWork && bound > 0 && wall > 0 ? min(1, bound / wall) : nil
        let shareText: String
        if let share {
            shareText = Self.percent(share)
        } else if run != nil, !didItsWork {
            shareText = "n/a"
        } else {
            shareText = "–"
        }
        let shareLabel =
            run != nil && !didItsWork
            ? "achieved share of the bound: not applicable, the run "
                + (running ? "is still going" : "did not finish its work")
                + " (\(leaves.filter { $0.state == .verified }.count) of \(leaves.count + table.unrecorded) chunks done)"
            : "achieved share of the bound"
        let verifiedNow = snapshot.events.filter { $0.kind == "verified" }.count
        facts = [
            Fact(label: "wall time", value: Self.seconds(wall)),
            Fact(label: "plan's lower bound (all the run's work)", value: run == nil ? "–" : Self.seconds(bound)),
            Fact(label: shareLabel, value: shareText),
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
        if run == nil {
            noTimelineReason = "This journal has no run log yet."
        } else if let status, status.kind != .complete {
            noTimelineReason = "No job was submitted in this run: it ended (\(status.kind.rawValue)) before any was."
        } else if !leaves.isEmpty, leaves.allSatisfy({ $0.state == .verified }) {
            noTimelineReason = "No job was submitted in this run (every chunk was reused)."
        } else {
            noTimelineReason = "No job was submitted in this run."
        }

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
}

import AnalyticsAPI
import ExportBasics
import ExportScheduling
import Foundation

/// Renders a plan for people (`table`) and for machines (`json`).
public enum PlanRenderer {
    /// The formats `exportpipe plan --format` offers.
    public enum Format: String, CaseIterable, Sendable {
        case table
        case json
    }

    public static func render(_ plan: Plan, as format: Format) -> String {
        switch format {
        case .table: table(plan)
        case .json: json(plan)
        }
    }

    /// The `PlanJSONDocument` as pretty-printed JSON with sorted keys and no floating point, ending in a newline:
    /// byte-identical for the same plan.
    public static func json(_ plan: Plan) -> String { String(decoding: jsonBytes(plan), as: UTF8.self) }

    /// `json(_:)` as UTF-8 bytes, without the copy into a `String` (a plan of 160,000 chunks is ~250 MB of JSON).
    public static func jsonBytes(_ plan: Plan) -> [UInt8] {
        var bytes = PlanJSONWriter.write(plan)
        bytes.append(UInt8(ascii: "\n"))
        return bytes
    }

    /// The rendering as UTF-8 bytes.
    public static func renderBytes(_ plan: Plan, as format: Format) -> [UInt8] {
        switch format {
        case .table: Array(table(plan).utf8)
        case .json: jsonBytes(plan)
        }
    }

    /// A report for a terminal (fits 100 columns for typical names): one block per export, a totals table and
    /// the estimate of the run under the queue limits.
    public static func table(_ plan: Plan) -> String {
        var out: [String] = []
        let defaultClock = clock(for: plan.timezone)
        out.append("Plan for \(plan.specName) (\(plan.specFile))")
        out.append("now \(InstantFormat.readable(plan.nowMillis, in: defaultClock))")
        for export in plan.exports {
            out.append("")
            out += block(for: export)
        }
        if plan.exports.isEmpty {
            out.append("")
            out.append("nothing to export")
        }
        out.append("")
        out += totals(plan)
        out.append("")
        out += estimate(plan.estimate)
        if !plan.warnings.isEmpty {
            out.append("")
            let count = plan.warnings.count
            out.append("\(count) warning\(count == 1 ? "" : "s"):")
            for warning in plan.warnings {
                out += wrap(warning.description, width: width - 4).enumerated().map { index, piece in
                    (index == 0 ? "  " : "    ") + piece
                }
            }
        }
        return out.joined(separator: "\n") + "\n"
    }

    /// The widest line the table aims for; longer texts wrap at spaces.
    static let width = 100

    /// Words of `text` in lines of at most `width` characters (a longer word gets a line of its own).
    static func wrap(_ text: String, width: Int) -> [String] {
        var lines: [String] = []
        var current = ""
        for word in text.split(separator: " ", omittingEmptySubsequences: false) {
            if !current.isEmpty && current.count + 1 + word.count > width {
                lines.append(current)
                current = String(word)
            } else {
                current += current.isEmpty ? String(word) : " " + word
            }
        }
        if !current.isEmpty || lines.isEmpty { lines.append(current) }
        return lines
    }

    private static func clock(for zone: String) -> ZonedClock {
        ZonedClock(timeZone: TimeZone(identifier: zone) ?? TimeZone.gmt)
    }

    private static func block(for export: PlannedExport) -> [String] {
        let clock = clock(for: export.timezone)
        let show = { (millis: Int64) in InstantFormat.readable(millis, in: clock) }
        var lines = ["\(export.name) · \(export.type.rawValue) · \(export.timezone)"]
        func line(_ label: String, _ text: String) {
            let indent = String(repeating: " ", count: 10)
            for (index, piece) in wrap(text, width: width - indent.count).enumerated() {
                lines.append(
                    index == 0
                        ? "  " + label.padding(toLength: 8, withPad: " ", startingAt: 0) + piece
                        : indent + piece)
            }
        }
        line("window", "\(show(export.windowStartMillis)) → \(show(export.windowEndMillis))")
        var jobs = "\(HumanFormat.count(export.chunks.count)) job\(export.chunks.count == 1 ? "" : "s")"
        if export.fanOutCount > 1 {
            jobs +=
                " = \(HumanFormat.count(export.timeWindowCount)) time window\(export.timeWindowCount == 1 ? "" : "s")"
                + " × \(HumanFormat.count(export.fanOutCount)) filter values"
        }
        line("jobs", jobs + "  (time: \(export.timeSlicing))")
        if let first = export.chunks.first {
            line("first", "\(show(first.startMillis)) → \(show(first.endMillis))")
        }
        if export.timeWindowCount > 1, let lastWindow = export.chunks.prefix(export.timeWindowCount).last {
            line("last", "\(show(lastWindow.startMillis)) → \(show(lastWindow.endMillis))")
        }
        let reasons = export.distinctReasons
        for (index, reason) in reasons.enumerated() {
            line(index == 0 ? "why" : "", reason.text)
        }
        let rows = export.expectedRows
        let perJob = export.chunks.isEmpty ? 0 : rows / export.chunks.count
        line(
            "rows",
            "~\(HumanFormat.count(rows)) expected (~\(HumanFormat.count(perJob)) per job), job time "
                + HumanFormat.duration(seconds: export.expectedSeconds))
        if let learned = export.learnedDuration {
            var text =
                "earlier runs' \(HumanFormat.count(learned.jobs)) job\(learned.jobs == 1 ? "" : "s") took "
                + "\(learned.shownRatio)× the estimate"
            if let perRows = learned.secondsPer1000Rows {
                text += String(format: " (%.2f s per 1,000 rows)", perRows)
            }
            line("learned", text + ": job time " + HumanFormat.duration(seconds: export.estimatedSeconds))
        }
        for (index, note) in export.notes.enumerated() {
            line(index == 0 ? "note" : "", note)
        }
        // Windows an earlier run exported that this one exports again (settle, a changed file, --refresh), and why.
        // (Each fan-out combination reports the same partitions: each line once.)
        var seen = Set<ExportedAgain>()
        for (index, again) in export.exportedAgain.filter({ seen.insert($0).inserted }).enumerated() {
            line(
                index == 0 ? "again" : "",
                "\(again.chunk) (\(show(again.window.start)) → \(show(again.window.end))): \(again.reason)")
        }
        return lines
    }

    private static func totals(_ plan: Plan) -> [String] {
        var rows: [[String]] = [["EXPORT", "TYPE", "JOBS", "EXPECTED ROWS", "JOB TIME"]]
        for export in plan.exports {
            rows.append([
                export.name, export.type.rawValue, HumanFormat.count(export.chunks.count),
                HumanFormat.count(export.expectedRows), HumanFormat.duration(seconds: export.estimatedSeconds),
            ])
        }
        rows.append([
            "total", "", HumanFormat.count(plan.estimate.jobCount),
            HumanFormat.count(plan.exports.reduce(0) { $0 + $1.expectedRows }),
            HumanFormat.duration(seconds: plan.estimate.totalJobSeconds),
        ])
        let rightAligned: Set<Int> = [2, 3, 4]
        let widths = (0..<5).map { column in rows.map { $0[column].count }.max() ?? 0 }
        return rows.map { row in
            let cells = row.enumerated().map { column, text in
                let padding = String(repeating: " ", count: widths[column] - text.count)
                return rightAligned.contains(column) ? padding + text : text + padding
            }
            return "  " + cells.joined(separator: "  ").trimmingTrailingSpaces()
        }
    }

    private static func estimate(_ estimate: PlanEstimate) -> [String] {
        let limits = QueueLimits.documented
        let userWord = estimate.users == 1 ? "user" : "users"
        return [
            "Estimate under the queue limits",
            "  jobs            \(HumanFormat.count(estimate.jobCount))",
            "  total job time  \(HumanFormat.duration(seconds: estimate.totalJobSeconds))  "
                + "(cost model: \(Int(CostModel.baseSeconds))s per job + per-row time per export type)",
            "  slots           \(estimate.slots) running at once  (\(estimate.users) API \(userWord) × "
                + "\(estimate.runningPerUser) running, company cap \(limits.runningPerCompany))",
            "  wall time ≥     \(HumanFormat.duration(seconds: estimate.wallSecondsLowerBound))  "
                + "(max of total ÷ \(estimate.slots) and the longest job, "
                + "\(HumanFormat.duration(seconds: estimate.longestJobSeconds)))",
        ]
            + wrap(estimate.note, width: width - 18).enumerated().map { index, piece in
                (index == 0 ? "  note            " : String(repeating: " ", count: 18)) + piece
            }
    }
}

extension String {
    fileprivate func trimmingTrailingSpaces() -> String {
        var copy = self
        while copy.last == " " { copy.removeLast() }
        return copy
    }
}

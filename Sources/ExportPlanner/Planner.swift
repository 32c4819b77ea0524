import AnalyticsAPI
import ExportBasics
import ExportScheduling
import ExportSpec
import Foundation

/// Turns a pipeline spec and an instant into a plan of export jobs. Pure: no clock, no network, no files.
///
/// The rules (see `docs/planner.md`): windows resolve against `now` in the export's zone and are clipped to the
/// retention horizon; each export is cut into calendar-aligned time windows (explicit `chunk:`, or `chunk: auto`
/// from a volume estimate; never longer than 3 months; `team_performance_interval` on bucket boundaries under the
/// bucket cap; aggregates and OPEN_AT_END snapshots not at all) and fanned out one job per value of `split_by`
/// and of any single-value filter given several values; `combined` becomes incoming_post + response +
/// conversation unless `keep_combined`.
public enum Planner {
    /// More jobs than this in one plan is a mistake in the spec (e.g. `chunk: 1min` over 18 months), reported
    /// as an error before any job is built.
    public static let maximumChunks = 2_000_000

    /// Plans a spec at `now`.
    ///
    /// - Parameter volumeHints: rows per day per job (one fan-out value's share) per planned export name, measured
    ///   in earlier runs (the journal's `volume` table); they take
    ///   precedence over `expected_rows_per_day` and the catalog's defaults when `chunk: auto` sizes chunks. A hint
    ///   keyed by a `combined` entry's name is shared among its three replacements.
    /// - Parameter learned: what each planned export's jobs took in earlier runs against the cost model (the
    ///   journal's, as the executor's core learns them); the estimate uses them and the plan shows them.
    /// - Parameter windows: which parts of each export's window this run exports (the window seam): the whole
    ///   window by default; chunks it keeps from earlier runs are in the plan, marked `.keptFromEarlierRun`, and
    ///   left out of the estimate.
    public static func plan(
        _ spec: PipelineSpec, now: Date, volumeHints: [String: Double] = [:],
        learned: LearnedDurations = LearnedDurations(), windows: any WindowSource = WholeWindowSource()
    ) -> PlanResult {
        let nowMillis = Int64((now.timeIntervalSince1970 * 1000).rounded(.down))
        var diagnostics: [Diagnostic] = []
        var exports: [PlannedExport] = []
        var plannedChunks = 0
        for entry in spec.exports {
            let (templates, expansionDiagnostics) = ExportExpander.templates(for: entry)
            diagnostics += expansionDiagnostics
            for template in templates {
                var context = ExportPlanning(
                    spec: spec, template: template, nowMillis: nowMillis, volumeHints: volumeHints,
                    remainingChunks: maximumChunks - plannedChunks, windows: windows)
                if var planned = context.plan() {
                    planned.learnedDuration = learned.samples[planned.name].flatMap { $0.ratio == nil ? nil : $0 }
                    exports.append(planned)
                    plannedChunks += planned.chunks.count
                }
                diagnostics += context.diagnostics
            }
        }
        diagnostics += duplicateWarnings(exports, spec: spec)
        diagnostics.sort { ($0.location, $0.message) < ($1.location, $1.message) }
        let estimate = PlanEstimate(
            chunks: exports.lazy.flatMap(\.chunksToRun), users: spec.api.users.count,
            outstandingPerUser: spec.run.outstandingPerUser,
            ratios: Dictionary(
                exports.compactMap { export in export.learnedDuration?.ratio.map { (export.name, $0) } },
                uniquingKeysWith: { first, _ in first }))
        let plan = Plan(
            specName: spec.name, specFile: spec.file, nowMillis: nowMillis, timezone: spec.defaults.timezone,
            exports: exports, warnings: diagnostics.filter { $0.severity != .error }, estimate: estimate)
        return PlanResult(plan: plan, diagnostics: diagnostics)
    }

    /// Halves a chunk for the executor's adaptive split of a failing job; nil when it cannot be split.
    ///
    /// Events split at the whole local hour nearest the middle (whole multiples of `minimumDuration` when that is
    /// under an hour); `team_performance_interval` at the bucket boundary nearest the middle. Nil for aggregates
    /// and OPEN_AT_END snapshots (a time split would change their numbers), and when either half would be
    /// shorter than `minimumDuration` (months count 28 days here). The halves get their own ids, the parent's
    /// reasons plus `.splitAfterFailure`, and the parent's expected rows in proportion to their length.
    public static func split(_ chunk: Chunk, minimumDuration: CalendarDuration, timeZone: TimeZone) -> [Chunk]? {
        let request = chunk.request
        let descriptor = ExportCatalog.descriptor(for: request.type)
        guard !isSnapshot(request.type, request.selection) else { return nil }
        let start = request.startTime
        let end = request.endTime
        let clock = ZonedClock(timeZone: timeZone)
        let middle: Int64
        switch descriptor.rowModel {
        case .aggregate:
            return nil
        case .intervalBuckets:
            guard let interval = request.selection.timeIntervalMillis, interval > 0 else { return nil }
            if interval > APILimits.oneWeekMillis {
                let first = LocalDateTimeParts(localMillis: clock.local(start))
                var months = 0
                while clock.instant(fromLocal: first.addingMonths(months + 1).localMillis) < end { months += 1 }
                guard months >= 1 else { return nil }
                middle = clock.instant(fromLocal: first.addingMonths((months + 1) / 2).localMillis)
            } else {
                let buckets = (end - start + interval - 1) / interval
                guard buckets >= 2 else { return nil }
                middle = start + buckets / 2 * interval
            }
        case .events:
            let minimumMillis = minimumMillis(minimumDuration)
            let grid =
                minimumMillis < ZonedClock.millisPerHour
                ? max(ZonedClock.millisPerMinute, minimumMillis)
                : ZonedClock.millisPerHour
            let target = start + (end - start) / 2
            let wall = floorDiv(clock.local(target), grid) * grid
            let candidates = [wall, wall + grid].map { clock.instant(fromLocal: $0) }.filter { $0 > start && $0 < end }
            guard let best = candidates.min(by: { abs($0 - target) < abs($1 - target) }) else { return nil }
            middle = best
        }
        let minimumMillis = minimumMillis(minimumDuration)
        guard middle > start, middle < end, middle - start >= minimumMillis, end - middle >= minimumMillis else {
            return nil
        }
        var reasons = chunk.reasons
        if reasons.last != .splitAfterFailure { reasons.append(.splitAfterFailure) }
        let total = Double(max(1, end - start))
        return [(start, middle), (middle, end)].map { window in
            var child = request
            child.startTime = window.0
            child.endTime = window.1
            let rows = ExportPlanning.rowCount(Double(chunk.expectedRows) * Double(window.1 - window.0) / total)
            return Chunk(
                exportName: chunk.exportName, request: child, reasons: reasons, expectedRows: rows,
                fanOut: chunk.fanOut)
        }
    }

    /// Whether an export's window must stay whole: aggregates total over it, OPEN_AT_END is a snapshot at its end.
    public static func isSnapshot(_ type: ExportType, _ selection: ExportSelection) -> Bool {
        if ExportCatalog.descriptor(for: type).rowModel == .aggregate { return true }
        return type == .conversation && (selection.conversationReportType ?? .openAtEnd) == .openAtEnd
    }

    static func minimumMillis(_ duration: CalendarDuration) -> Int64 { duration.shortestMillis }

    /// A warning for each export whose jobs repeat another export's exactly (same type, parameters, windows).
    static func duplicateWarnings(_ exports: [PlannedExport], spec: PipelineSpec) -> [Diagnostic] {
        // Keyed by the id's 64 bits rather than its text: this runs over every chunk of the plan.
        var owner: [UInt64: Int] = [:]
        owner.reserveCapacity(exports.reduce(0) { $0 + $1.chunks.count })
        var reported = Set<[Int]>()
        var diagnostics: [Diagnostic] = []
        let locations = Dictionary(spec.exports.map { ($0.name, $0.location) }, uniquingKeysWith: { a, _ in a })
        for (index, export) in exports.enumerated() {
            for chunk in export.chunks {
                let key = UInt64(chunk.id, radix: 16) ?? UInt64(truncatingIfNeeded: chunk.id.hashValue)
                if let firstIndex = owner[key] {
                    guard firstIndex != index, reported.insert([firstIndex, index]).inserted else { continue }
                    let first = exports[firstIndex].name
                    let location =
                        locations[export.specExportName] ?? SourceLocation(file: spec.file, line: 1, column: 1)
                    diagnostics.append(
                        .warning(
                            at: location,
                            "export '\(export.name)' plans jobs identical to those of '\(first)' (same type, "
                                + "parameters and windows): that data would be exported twice",
                            fix: "remove one of them or change its filters"))
                } else {
                    owner[key] = index
                }
            }
        }
        return diagnostics
    }
}

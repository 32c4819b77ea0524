import AnalyticsAPI
import ExportBasics
import ExportSpec
import Foundation

/// Plans one export (after the `combined` rewrite): window, time slicing, fan-out, chunks.
struct ExportPlanning {
    let spec: PipelineSpec
    let template: ExportTemplate
    let nowMillis: Int64
    let volumeHints: [String: Double]
    let remainingChunks: Int
    /// Which parts of the window this run exports (the window seam).
    let windows: any WindowSource
    private(set) var diagnostics: [Diagnostic] = []

    init(
        spec: PipelineSpec, template: ExportTemplate, nowMillis: Int64, volumeHints: [String: Double],
        remainingChunks: Int, windows: any WindowSource = WholeWindowSource()
    ) {
        self.spec = spec
        self.template = template
        self.nowMillis = nowMillis
        self.volumeHints = volumeHints
        self.remainingChunks = remainingChunks
        self.windows = windows
    }

    private var entry: ExportEntry { template.entry }
    private var type: ExportType { template.type }

    mutating func plan() -> PlannedExport? {
        let zoneName = entry.timezone ?? spec.defaults.timezone
        guard let timeZone = TimeZone(identifier: zoneName) else {
            diagnostics.append(
                .error(
                    at: entry.location, "unknown time zone '\(zoneName)' for export '\(entry.name)'",
                    fix: "use an IANA id such as Europe/Berlin or America/New_York"))
            return nil
        }
        let clock = ZonedClock(timeZone: timeZone)
        let windowSpec = entry.window ?? spec.window
        let resolved = WindowResolver.resolve(windowSpec, clock: clock, now: nowMillis, exportName: template.name)
        diagnostics += resolved.diagnostics
        guard let window = resolved.window else { return nil }
        if window.end > nowMillis {
            diagnostics.append(
                .warning(
                    at: windowSpec.location,
                    "the window of export '\(template.name)' ends \(InstantFormat.readable(window.end, in: clock)), "
                        + "after now (\(InstantFormat.readable(nowMillis, in: clock))): its last jobs export "
                        + "incomplete data",
                    fix: "end the window at `today` or `now`"))
        }

        let fanOut = ExportExpander.fanOutAxes(for: template)
        diagnostics += fanOut.diagnostics
        if fanOut.diagnostics.contains(where: { $0.severity == .error }) { return nil }
        let fanOutCount = fanOut.axes.reduce(1) { $0 * $1.values.count }
        let fanOutReasons = fanOut.axes.map(\.reason)

        guard let slicing = timeSlicing(window: window, clock: clock, fanOutCount: fanOutCount) else { return nil }
        // Check the size before building anything: `chunk: 1min` over 18 months must not exhaust memory.
        let approximateWindows = TimeSlicer.approximateCount(slicing.slicing, start: window.start, end: window.end)
        guard !tooManyChunks(windows: approximateWindows, fanOutCount: fanOutCount) else { return nil }
        var timeReasons = slicing.reasons
        let wholeRange = TimeRange(start: window.start, end: window.end)
        // The cuts of each range, computed once for all combinations (most ranges are the whole window).
        let boundariesByRange = [
            wholeRange: TimeSlicer.boundaries(slicing.slicing, start: window.start, end: window.end, clock: clock)
        ]
        let wholeWindowCount = boundariesByRange[wholeRange]!.count - 1
        var fromStartByRange: [TimeRange: [Int64]] = [:]
        guard !tooManyChunks(windows: wholeWindowCount, fanOutCount: fanOutCount) else { return nil }
        if wholeWindowCount == 1 && slicing.slicing != .whole { timeReasons = [.wholeWindow] }
        let base = (template.rewritten ? [SplitReason.combinedRewrite] : []) + timeReasons + fanOutReasons
        let rowsPerDayPerJob = slicing.rowsPerDay / Double(fanOutCount)
        let locale = entry.locale ?? spec.defaults.locale
        let whole = Planner.isSnapshot(type, template.selection)

        var chunks: [Chunk] = []
        var exportedAgain: [ExportedAgain] = []
        chunks.reserveCapacity(wholeWindowCount * fanOutCount)
        // Most windows have the same length, hence the same rows and cost: compute each cost once.
        var secondsByRows: [Int: Double] = [:]
        for combination in ExportExpander.combinations(fanOut.axes) {
            var selection = template.selection
            for value in combination { selection.filters[value.filter] = [value.value] }
            let shape = ExportRequest(
                type: type, startTime: 0, endTime: 0, selection: selection, locale: locale, timezone: zoneName)
            let answer = windows.windows(
                for: WindowQuery(
                    exportName: template.name, shape: shape, window: wholeRange, whole: whole))
            exportedAgain += answer.exportedAgain
            var combinationChunks = answer.kept.map { kept in
                Chunk(
                    id: kept.id, exportName: template.name, request: kept.request,
                    reasons: base + [.keptFromEarlierRun], expectedRows: kept.rows,
                    expectedSeconds: CostModel.seconds(for: type, rows: kept.rows), fanOut: combination)
            }
            // Everything after startTime/endTime is the same for every window of this combination.
            let encodedRest = PercentEncoding.encodeQuery(Array(shape.queryItems.dropFirst(2)))
            for range in answer.ranges {
                let onGrid = range == wholeRange && !answer.cutsFromRangeStart
                let boundaries =
                    (onGrid ? boundariesByRange[range] : fromStartByRange[range])
                    ?? {
                        // A range the source answers (not the whole window, or any range of a source that cuts
                        // from range starts) is cut from its own start: one that fits in one chunk is one job,
                        // wherever the calendar grid would cut it.
                        let cuts = TimeSlicer.boundaries(
                            slicing.slicing, fromStartOf: range.start, end: range.end, clock: clock)
                        fromStartByRange[range] = cuts
                        return cuts
                    }()
                for index in 0..<(boundaries.count - 1) {
                    var request = shape
                    request.startTime = boundaries[index]
                    request.endTime = boundaries[index + 1]
                    let days = Double(request.endTime - request.startTime) / Double(ZonedClock.millisPerDay)
                    let rows = Self.rowCount(rowsPerDayPerJob * days)
                    let seconds =
                        secondsByRows[rows]
                        ?? {
                            let value = CostModel.seconds(for: type, rows: rows)
                            secondsByRows[rows] = value
                            return value
                        }()
                    let clipped = window.clipped && request.startTime == window.start
                    combinationChunks.append(
                        Chunk(
                            id: ChunkID.make(
                                type: type, start: request.startTime, end: request.endTime, encodedRest: encodedRest),
                            exportName: template.name, request: request,
                            reasons: clipped ? base + [.retentionClipped] : base, expectedRows: rows,
                            expectedSeconds: seconds, fanOut: combination))
                }
            }
            if !answer.kept.isEmpty { combinationChunks.sort { $0.startMillis < $1.startMillis } }
            chunks += combinationChunks
        }
        let windowCount = fanOutCount > 0 ? (chunks.count + fanOutCount - 1) / fanOutCount : 0
        return PlannedExport(
            name: template.name, specExportName: entry.name, type: type, timezone: zoneName,
            windowStartMillis: window.start, windowEndMillis: window.end, timeSlicing: slicing.label,
            timeWindowCount: windowCount, fanOutCount: fanOutCount, notes: template.notes + slicing.notes,
            chunks: chunks, exportedAgain: exportedAgain)
    }

    /// Rows as an integer, capped far below `Int.max` so absurd volume hints cannot trap.
    static func rowCount(_ value: Double) -> Int { saturatingInt(value) }

    /// Whether the export would exceed the plan's job budget (and an error saying so was recorded).
    private mutating func tooManyChunks(windows: Int, fanOutCount: Int) -> Bool {
        let (jobs, overflow) = windows.multipliedReportingOverflow(by: fanOutCount)
        guard overflow || jobs > remainingChunks else { return false }
        diagnostics.append(
            .error(
                at: entry.location,
                "export '\(template.name)' would plan about \(HumanFormat.count(windows)) time windows × "
                    + "\(HumanFormat.count(fanOutCount)) filter values, more than the "
                    + "\(HumanFormat.count(Planner.maximumChunks)) jobs one plan may hold",
                fix: "use a larger chunk: or a shorter window"))
        return true
    }

    /// The volume estimate of the whole export (all filter values), in rows per day, and where it came from.
    ///
    /// A learned hint is rows per day *per job*: the journal adds up each verified chunk's rows over its window,
    /// and a fanned-out export's chunks each cover the window for one filter value; the whole export is that times
    /// the fan-out count (with one hint per export, `split_by` exports were planned at 1/N of their volume).
    private func volume(fanOutCount: Int) -> (rowsPerDay: Double, source: VolumeSource) {
        // A hint that is not a finite, non-negative number is ignored rather than trusted.
        if let learned = volumeHints[template.name], learned.isFinite, learned >= 0 {
            return (learned * Double(max(1, fanOutCount)), .learned)
        }
        if template.rewritten, let learned = volumeHints[entry.name], learned.isFinite, learned >= 0 {
            return (learned * template.volumeShare, .learned)
        }
        if let hint = entry.expectedRowsPerDay, hint >= 0 { return (Double(hint) * template.volumeShare, .spec) }
        return (Double(ExportCatalog.descriptor(for: type).defaultRowsPerDay), .typeDefault)
    }

    private struct Slicing {
        var slicing: TimeSlicing
        var reasons: [SplitReason]
        var label: String
        var rowsPerDay: Double
        var notes: [String] = []
    }

    /// How time is cut for this export, or nil (with an error) when it cannot be.
    private mutating func timeSlicing(window: ResolvedWindow, clock: ZonedClock, fanOutCount: Int) -> Slicing? {
        let descriptor = ExportCatalog.descriptor(for: type)
        let (rowsPerDay, source) = volume(fanOutCount: fanOutCount)
        let rowsPerDayPerJob = rowsPerDay / Double(fanOutCount)
        let target = spec.run.targetRowsPerJob
        let chunkSize = entry.chunk ?? spec.defaults.chunk

        if Planner.isSnapshot(type, template.selection) {
            let why =
                descriptor.rowModel == .aggregate
                ? "\(type.rawValue) totals over its window" : "an OPEN_AT_END conversation export is a snapshot"
            let limit = LocalDateTimeParts(localMillis: clock.local(window.start)).addingMonths(
                APILimits.maxRangeMonths)
            if window.end > clock.instant(fromLocal: limit.localMillis) {
                diagnostics.append(
                    .error(
                        at: (entry.window ?? spec.window).location,
                        "export '\(template.name)': \(why), so it cannot be split by time, and its window "
                            + "(\(InstantFormat.readable(window.start, in: clock)) to "
                            + "\(InstantFormat.readable(window.end, in: clock))) is longer than the API's "
                            + "\(APILimits.maxRangeMonths)-month maximum",
                        fix: "shorten the export's window to \(APILimits.maxRangeMonths) months or less"))
                return nil
            }
            var notes = ["\(why): never split by time"]
            if let explicit = entry.chunk {
                diagnostics.append(
                    .warning(
                        at: entry.location,
                        "chunk: \(explicit) is ignored for export '\(template.name)': \(why), so splitting it by "
                            + "time would change its numbers",
                        fix: "remove chunk: from this export"))
                notes.append("chunk: \(explicit) ignored")
            }
            return Slicing(
                slicing: .whole, reasons: [.notSplittableByTime], label: "whole window", rowsPerDay: rowsPerDay,
                notes: notes)
        }

        var sizingReason: SplitReason
        var size: CalendarDuration
        var label: String
        switch chunkSize {
        case .fixed(let explicit):
            size = explicit
            sizingReason = .explicitChunk(explicit)
            label = explicit.description
        case .auto:
            let choice = AutoChunkSizer.choose(rowsPerDayPerJob: rowsPerDayPerJob, targetRowsPerJob: target)
            size = choice.size
            sizingReason = .autoChunk(
                choice.size, rowsPerDayPerJob: Self.rowCount(rowsPerDayPerJob), targetRowsPerJob: target,
                source: source)
            label = "auto → \(choice.size)"
            if choice.overTarget {
                diagnostics.append(
                    .warning(
                        at: entry.location,
                        "export '\(template.name)' expects ~\(HumanFormat.count(Self.rowCount(rowsPerDayPerJob))) "
                            + "rows/day per job: even \(choice.size) jobs exceed run.target_rows_per_job "
                            + "(\(HumanFormat.count(target)))",
                        fix: "fan it out with split_by:, or set chunk: explicitly"))
            }
        }

        if descriptor.rowModel == .intervalBuckets {
            guard let interval = template.selection.timeIntervalMillis, interval > 0 else {
                diagnostics.append(
                    .error(
                        at: entry.location,
                        "export '\(template.name)' (team_performance_interval) needs time_interval: the bucket size",
                        fix: "add e.g. time_interval: 1h"))
                return nil
            }
            if interval > APILimits.oneWeekMillis {
                let wanted = size.unit == .month ? size.value : Int(TimeSlicer.nominalMillis(size) / (30 * 86_400_000))
                let months = min(APILimits.maxRangeMonths, max(1, wanted))
                return Slicing(
                    slicing: .monthsFromStart(months),
                    reasons: [sizingReason, .bucketCap(bucketsPerJob: months, intervalMillis: interval)],
                    label: "\(months) × 1mo buckets", rowsPerDay: rowsPerDay)
            }
            let rangeCap = Int(89 * ZonedClock.millisPerDay / interval)
            let cap = max(1, min(APILimits.maxIntervalBuckets, rangeCap))
            let wanted = max(1, Int(TimeSlicer.nominalMillis(size) / interval))
            let buckets = min(cap, wanted)
            let reasons: [SplitReason] =
                wanted > cap
                ? [.bucketCap(bucketsPerJob: buckets, intervalMillis: interval)]
                : [sizingReason, .bucketCap(bucketsPerJob: buckets, intervalMillis: interval)]
            return Slicing(
                slicing: .elapsed(stepMillis: Int64(buckets) * interval), reasons: reasons,
                label: "\(buckets) × \(HumanFormat.interval(millis: interval)) buckets", rowsPerDay: rowsPerDay,
                notes: ["buckets count from the window start in elapsed time, as the API's timeInterval does"])
        }

        if !TimeSlicer.fitsMaximumRange(size) {
            diagnostics.append(
                .warning(
                    at: entry.location,
                    "chunk: \(size) of export '\(template.name)' can be longer than the API's "
                        + "\(APILimits.maxRangeMonths)-month maximum range: chunks are cut at calendar quarters instead",
                    fix: "use chunk: 3mo or shorter"))
            size = CalendarDuration(APILimits.maxRangeMonths, .month)
            sizingReason = .maxRange
            label = "\(size) (3-month maximum)"
        }
        return Slicing(slicing: .calendar(size), reasons: [sizingReason], label: label, rowsPerDay: rowsPerDay)
    }
}

import AnalyticsAPI
import ExportBasics
import Foundation

/// Why an export cannot be rendered.
public struct ExportGenerationError: Error, CustomStringConvertible, Sendable, Equatable {
    public var description: String
}

/// The simulator's data: every export's rows as a pure function of (seed, export, window, filters).
///
/// Events are generated per hour slot from a hash of (seed, export, slot), so any split of a window, exported
/// piece by piece and concatenated in time order, equals one export of the whole window byte for byte.
/// Rows are ordered by the export's sort key: the time column's instant, ties broken by the numeric id.
public struct ExportDataGenerator: Sendable {
    public let company: SyntheticCompany
    let companyZone: TimeZone
    /// Late data as seen at one instant (`asOf(_:late:)`, LateArrival.swift); nil: every event there, final.
    var lateView: LateArrival.View?

    public init(company: SyntheticCompany) {
        self.company = company
        self.companyZone = TimeZone(identifier: company.timeZoneID) ?? TimeZone(secondsFromGMT: 0)!
    }

    public init(seed: UInt64) { self.init(company: SyntheticCompany(seed: seed)) }

    static let hourMillis: Int64 = 3_600_000
    static let dayMillis: Int64 = 86_400_000
    /// The longest a conversation stays open: CLOSED and OPEN_AT_END look this far back.
    static let maxConversationMillis: Int64 = 7 * 86_400_000

    // MARK: Public entry points

    /// The number of rows the export returns (without rendering them).
    public func rowCount(for request: ExportRequest, inclusiveEndTime: Bool = false) -> Int {
        var count = 0
        forEachRow(request, inclusiveEnd: inclusiveEndTime, buildCells: false) { _ in count += 1 }
        return count
    }

    /// The export as CSV bytes: header of column ids, RFC 4180 quoting, CRLF line ends.
    /// - Throws: `ExportGenerationError` for an unknown time zone or column.
    public func csv(
        for request: ExportRequest, timezoneOffsetMillis: Int64? = nil, inclusiveEndTime: Bool = false
    ) throws -> [UInt8] {
        try render(
            request,
            options: ExportRenderOptions(
                format: .csv, timezoneOffsetMillis: timezoneOffsetMillis, inclusiveEndTime: inclusiveEndTime))
    }

    /// The export as a JSON array of objects whose values are all strings, keys in column order.
    public func json(
        for request: ExportRequest, timezoneOffsetMillis: Int64? = nil, inclusiveEndTime: Bool = false
    ) throws -> [UInt8] {
        try render(
            request,
            options: ExportRenderOptions(
                format: .json, timezoneOffsetMillis: timezoneOffsetMillis, inclusiveEndTime: inclusiveEndTime))
    }

    /// The export rendered as `options` say.
    public func render(_ request: ExportRequest, options: ExportRenderOptions) throws -> [UInt8] {
        let catalogColumns = try Self.outputColumns(for: request)
        let columns = options.drift.apply(to: catalogColumns, request: request)
        var formatter = try Self.formatter(timezone: request.timezone, offsetMillis: options.timezoneOffsetMillis)
        formatter.style = options.timeFormat
        let names = columns.names.map { name in
            switch options.headers {
            case .ids: name
            case .labels: ColumnRoleNames.label(for: name)
            case .upper: name.uppercased()
            }
        }
        var writer = RowWriter(format: options.format, columns: names, delimiter: options.delimiter.byte)
        var rows = 0
        forEachRow(request, inclusiveEnd: options.inclusiveEndTime, buildCells: true) { row in
            let cells =
                columns.addsColumn
                ? row.cells + [options.drift.addedCell(sortTime: row.sortTime, id: row.id)] : row.cells
            writer.write(cells, indices: columns.indices, formatter: &formatter)
            rows += 1
        }
        if rows == 0 && options.format == .csv && options.emptyWindows == .empty { return [] }
        return writer.finish()
    }

    /// The columns an export returns: the catalog's, or the `reportMetrics` subset in the order given.
    public static func outputColumns(for request: ExportRequest) throws -> (names: [String], indices: [Int]) {
        let all = ExportCatalog.descriptor(for: request.type).columns
        guard !request.selection.columns.isEmpty else { return (all, Array(all.indices)) }
        var indices: [Int] = []
        for name in request.selection.columns {
            guard let index = all.firstIndex(of: name) else {
                throw ExportGenerationError(
                    description:
                        "unknown column '\(name)' for export \(request.type.rawValue); valid columns are "
                        + all.joined(separator: ", "))
            }
            indices.append(index)
        }
        return (request.selection.columns, indices)
    }

    static func formatter(timezone: String?, offsetMillis: Int64?) throws -> TimestampFormatter {
        if let timezone {
            guard let formatter = TimestampFormatter(timeZoneID: timezone) else {
                throw ExportGenerationError(
                    description: "unknown timezone '\(timezone)'; use an IANA id such as America/New_York")
            }
            return formatter
        }
        if let offsetMillis { return TimestampFormatter(offsetMillis: offsetMillis) }
        return TimestampFormatter()
    }

    // MARK: Rows

    /// One cell before rendering: times stay instants until the time zone formats them.
    enum Cell {
        case text(String)
        case int(Int64)
        case time(Int64)
        case empty
    }

    struct Row {
        var sortTime: Int64
        var id: Int64
        var cells: [Cell]
    }

    /// Visits the export's rows in output order.
    func forEachRow(_ request: ExportRequest, inclusiveEnd: Bool, buildCells: Bool, _ body: (Row) -> Void) {
        let filter = RowFilter(request: request, company: company)
        switch request.type {
        case .user:
            userRows(request, filter: filter, body)
        case .teamPerformance:
            teamPerformanceRows(request, filter: filter, body)
        case .teamPerformanceInterval:
            intervalRows(request, filter: filter, inclusiveEnd: inclusiveEnd, body)
        case .author:
            authorRows(request, filter: filter, inclusiveEnd: inclusiveEnd, buildCells: buildCells, body)
        case .conversation:
            conversationRows(request, filter: filter, inclusiveEnd: inclusiveEnd, buildCells: buildCells, body)
        default:
            eventRows(request, filter: filter, inclusiveEnd: inclusiveEnd, buildCells: buildCells, body)
        }
    }

    func inWindow(_ t: Int64, _ request: ExportRequest, _ inclusiveEnd: Bool) -> Bool {
        t >= request.startTime && (inclusiveEnd ? t <= request.endTime : t < request.endTime)
    }

    private func eventRows(
        _ request: ExportRequest, filter: RowFilter, inclusiveEnd: Bool, buildCells: Bool, _ body: (Row) -> Void
    ) {
        let first = floorDiv(request.startTime, Self.hourMillis)
        let last = floorDiv(request.endTime, Self.hourMillis)
        guard first <= last else { return }
        for slot in first...last {
            let offset = companyOffsetMillis(slot: slot)
            for event in events(request.type, slot: slot) where inWindow(event.time, request, inclusiveEnd) {
                guard filter.matches(event, companyOffsetMillis: offset, company: company) else { continue }
                body(Row(sortTime: event.time, id: event.id, cells: buildCells ? cells(request.type, event) : []))
            }
        }
    }

    private func conversationRows(
        _ request: ExportRequest, filter: RowFilter, inclusiveEnd: Bool, buildCells: Bool, _ body: (Row) -> Void
    ) {
        let mode = request.selection.conversationReportType ?? .openAtEnd
        switch mode {
        case .created:
            eventRows(request, filter: filter, inclusiveEnd: inclusiveEnd, buildCells: buildCells, body)
        case .closed:
            var rows: [Row] = []
            let first = floorDiv(request.startTime - Self.maxConversationMillis, Self.hourMillis)
            let last = floorDiv(request.endTime, Self.hourMillis)
            for slot in first...last {
                let offset = companyOffsetMillis(slot: slot)
                for event in events(.conversation, slot: slot) {
                    let closed = event.time + conversationDuration(event)
                    guard inWindow(closed, request, inclusiveEnd),
                        filter.matches(event, companyOffsetMillis: offset, company: company)
                    else { continue }
                    rows.append(
                        Row(
                            sortTime: closed, id: event.id,
                            cells: buildCells ? conversationCells(event, open: false) : []))
                }
            }
            rows.sort { ($0.sortTime, $0.id) < ($1.sortTime, $1.id) }
            rows.forEach(body)
        case .openAtEnd:
            let first = floorDiv(request.endTime - Self.maxConversationMillis, Self.hourMillis)
            let last = floorDiv(request.endTime, Self.hourMillis)
            for slot in first...last {
                let offset = companyOffsetMillis(slot: slot)
                for event in events(.conversation, slot: slot)
                where event.time < request.endTime && event.time + conversationDuration(event) >= request.endTime {
                    guard filter.matches(event, companyOffsetMillis: offset, company: company) else { continue }
                    body(
                        Row(
                            sortTime: event.time, id: event.id,
                            cells: buildCells ? conversationCells(event, open: true) : []))
                }
            }
        }
    }

    // MARK: Event streams

    /// One generated event: the attributes filters look at, plus a seed for the rest of the row.
    struct Event {
        var id: Int64
        var time: Int64
        var agentIndex: Int
        var workqueueID: Int64
        var priority: Int
        var networkIndex: Int
        var authorID: Int64
        var conversationID: Int64
        var extra: UInt64
    }

    /// The company's UTC offset during an hour slot, in milliseconds (its zone changes offset on whole hours).
    func companyOffsetMillis(slot: Int64) -> Int64 {
        Int64(companyZone.secondsFromGMT(for: Date(timeIntervalSince1970: Double(slot * 3600)))) * 1000
    }

    /// The activity level of an hour slot, about 1 on average: weekday and hour-of-day curves (company-local)
    /// times a day factor (one day in ten is a spike day at 2.5×).
    func activity(slot: Int64) -> Double {
        let local = slot * Self.hourMillis + companyOffsetMillis(slot: slot)
        let day = floorDiv(local, Self.dayMillis)
        let hour = Int((local - day * Self.dayMillis) / Self.hourMillis)
        let weekday = Int(((day + 4) % 7 + 7) % 7)  // 1970-01-01 was a Thursday; 0 = Sunday
        let spike = DeterministicRandom.unit(company.seed, 0x5350_494B_45, day.hashBits) < 0.1 ? 2.5 : 0.85
        return Self.hourCurve[hour] * Self.weekdayCurve[weekday] * spike / Self.meanActivity
    }

    static let hourCurve: [Double] = [
        0.25, 0.2, 0.15, 0.15, 0.2, 0.3, 0.5, 0.8, 1.2, 1.6, 1.8, 1.8, 1.7, 1.7, 1.8, 1.7, 1.5, 1.3, 1.1, 0.9, 0.8,
        0.6, 0.45, 0.35,
    ]
    static let weekdayCurve: [Double] = [0.5, 1.15, 1.2, 1.15, 1.1, 1.05, 0.6]
    static let meanActivity: Double = {
        var sum = 0.0
        for h in hourCurve { for w in weekdayCurve { sum += h * w } }
        return sum / Double(hourCurve.count * weekdayCurve.count) * (0.1 * 2.5 + 0.9 * 0.85)
    }()

    /// The events of one export in one hour slot, in (time, id) order.
    func events(_ type: ExportType, slot: Int64) -> [Event] {
        var rng = DeterministicRandom(company.seed, DeterministicRandom.tag(type.rawValue), slot.hashBits)
        let perHour = Double(ExportCatalog.descriptor(for: type).defaultRowsPerDay) / 24
        let expected = perHour * activity(slot: slot) * (0.8 + 0.4 * rng.unit())
        let count = min(99_999, Int(expected) + (rng.unit() < expected - expected.rounded(.down) ? 1 : 0))
        var seconds: [Int64] = []
        seconds.reserveCapacity(count)
        for _ in 0..<count { seconds.append(Int64(rng.int(0...3_599))) }
        seconds.sort()
        let start = slot * Self.hourMillis
        let agents = company.agents.count
        let queues = company.workqueues
        var events: [Event] = []
        events.reserveCapacity(count)
        for (index, second) in seconds.enumerated() {
            let agentIndex = rng.int(0...(agents - 1))
            // Queues are skewed too: low ids are busier.
            let queue = queues[Int(Double(queues.count) * rng.unit() * rng.unit())]
            let priority = Self.priorityWeights[rng.int(0...(Self.priorityWeights.count - 1))]
            events.append(
                Event(
                    id: slot * 100_000 + Int64(index) + 1, time: start + second * 1000, agentIndex: agentIndex,
                    workqueueID: queue.id, priority: priority, networkIndex: rng.int(0...(company.networks.count - 1)),
                    authorID: 5_000_000 + Int64(rng.int(0...(company.authorPoolSize - 1))),
                    conversationID: 900_000_000 + slot * 1_000 + Int64(rng.int(0...999)), extra: rng.next()))
        }
        return lateView?.applied(to: events, type: type) ?? events
    }

    static let priorityWeights = [0, 1, 1, 2, 2, 2, 3, 3, 3, 3, 4, 4, 5]

    func conversationDuration(_ event: Event) -> Int64 {
        var rng = DeterministicRandom(event.extra, 0x434C_4F53_45)
        let hours = -log(1 - rng.unit() * 0.999) * 6
        return min(Self.maxConversationMillis - 1_000, Int64(hours * 3_600) * 1000 + 60_000)
    }
}

import AnalyticsAPI
import AnalyticsSimulator
import Foundation
import Testing

@Suite("Synthetic data")
struct ExportDataGeneratorTests {
    let generator = ExportDataGenerator(seed: 42)

    private func rows(_ bytes: [UInt8]) -> [[String]] { CSVTestParser.parse(bytes) }

    @Test("every export has exactly the catalog's columns, in order, and well-formed rows")
    func columnsMatchCatalog() throws {
        for type in ExportType.allCases {
            var selection = ExportSelection()
            if type == .teamPerformanceInterval { selection.timeIntervalMillis = 3_600_000 }
            if type == .conversation { selection.conversationReportType = .created }
            // Monday 09:00–13:00 in New York: busy enough for rows in every export.
            let csv = try generator.csv(
                for: Fixtures.request(type, from: Fixtures.monday + 14 * Fixtures.hour, hours: 4, selection: selection))
            let records = rows(csv)
            let columns = ExportCatalog.descriptor(for: type).columns
            #expect(records.first == columns, "\(type)")
            #expect(records.count > 1, "\(type) has rows")
            for record in records.dropFirst() { #expect(record.count == columns.count, "\(type)") }
            #expect(csv.suffix(2) == [13, 10])
        }
    }

    @Test("the same seed gives the same bytes; another seed other bytes")
    func determinism() throws {
        let request = Fixtures.request(.incomingPost, hours: 10, timezone: "Europe/Paris")
        let again = ExportDataGenerator(seed: 42)
        #expect(try generator.csv(for: request) == again.csv(for: request))
        #expect(try generator.csv(for: request) != ExportDataGenerator(seed: 43).csv(for: request))
        #expect(SyntheticCompany(seed: 7).teams == SyntheticCompany(seed: 7).teams)
    }

    /// Concatenates the exports of consecutive windows (headers dropped after the first).
    private func concatenated(_ base: ExportRequest, cuts: [Int64], inclusive: Bool = false) throws -> [UInt8] {
        let bounds = [base.startTime] + cuts + [base.endTime]
        var out: [UInt8] = []
        for index in 0..<(bounds.count - 1) {
            var part = base
            part.startTime = bounds[index]
            part.endTime = bounds[index + 1]
            let csv = try generator.csv(for: part, inclusiveEndTime: inclusive)
            let headerEnd = (csv.firstIndex(of: 10) ?? 0) + 1
            out += index == 0 ? csv : Array(csv[headerEnd...])
        }
        return out
    }

    @Test(
        "any split of a window, concatenated, equals the whole export byte for byte",
        arguments: [
            ExportType.response, .conversationActions, .rawAgentStates, .combined, .conversationHistoryAction,
            .rawExpertHelp, .responseApproval,
        ])
    func splitEqualsWhole(type: ExportType) throws {
        // Spans the 2025-03-09 DST change in New York; cuts are deliberately not on hour boundaries.
        let start: Int64 = 1_741_478_400_000  // 2025-03-09T00:00Z
        let whole = ExportRequest(
            type: type, startTime: start, endTime: start + 20 * Fixtures.hour, timezone: "America/New_York")
        let cuts = [start + 7 * Fixtures.hour + 1_234, start + 7 * Fixtures.hour + 900_000, start + 15 * Fixtures.hour]
        #expect(try concatenated(whole, cuts: cuts) == generator.csv(for: whole))
    }

    @Test("conversation CREATED and CLOSED split exactly; OPEN_AT_END is a snapshot at endTime")
    func conversationModes() throws {
        let start: Int64 = 1_762_041_600_000  // 2025-11-02T00:00Z, the autumn DST change in New York
        for mode in [ConversationReportType.created, .closed] {
            let whole = ExportRequest(
                type: .conversation, startTime: start, endTime: start + 20 * Fixtures.hour,
                selection: ExportSelection(conversationReportType: mode), timezone: "America/New_York")
            #expect(
                try concatenated(whole, cuts: [start + 5 * Fixtures.hour + 17, start + 15 * Fixtures.hour])
                    == generator.csv(for: whole))
        }
        let open = ExportRequest(
            type: .conversation, startTime: start, endTime: start + Fixtures.day,
            selection: ExportSelection(conversationReportType: .openAtEnd))
        let records = rows(try generator.csv(for: open)).dropFirst()
        #expect(!records.isEmpty)
        for record in records {
            #expect(record[3] == "OPEN")
            #expect(record[2].isEmpty)
        }
    }

    @Test("team_performance_interval splits on bucket boundaries; monthly buckets above one week")
    func intervalBuckets() throws {
        let whole = Fixtures.request(
            .teamPerformanceInterval, hours: 24, selection: ExportSelection(timeIntervalMillis: 3_600_000))
        #expect(try concatenated(whole, cuts: [Fixtures.monday + 5 * Fixtures.hour]) == generator.csv(for: whole))
        let teams = SyntheticCompany(seed: 42).teams.count
        #expect(rows(try generator.csv(for: whole)).count == 1 + 24 * teams)
        let buckets = ExportDataGenerator.intervalBuckets(
            startTime: 1_735_689_600_000, endTime: 1_743_465_600_000, intervalMillis: 2 * 604_800_000)
        // 2025-01-01 … 2025-04-01: January, February, March.
        #expect(buckets.map(\.start) == [1_735_689_600_000, 1_738_368_000_000, 1_740_787_200_000])
    }

    @Test("rows are ordered by time, ties by numeric id")
    func ordering() throws {
        for type in [ExportType.response, .incomingPost, .conversationActions] {
            let records = Array(rows(try generator.csv(for: Fixtures.request(type, hours: 12))).dropFirst())
            let keys = records.map { ($0[1], Int64($0[0]) ?? -1) }
            for (a, b) in zip(keys, keys.dropFirst()) { #expect(a < b || a == b, "\(type)") }
            #expect(keys.allSatisfy { $0.1 > 0 })
        }
        let closed = ExportRequest(
            type: .conversation, startTime: Fixtures.monday, endTime: Fixtures.monday + Fixtures.day,
            selection: ExportSelection(conversationReportType: .closed))
        let keys = rows(try generator.csv(for: closed)).dropFirst().map { ($0[2], Int64($0[0]) ?? -1) }
        for (a, b) in zip(keys, keys.dropFirst()) { #expect(a < b) }
    }

    @Test("filters really filter")
    func filters() throws {
        let company = SyntheticCompany(seed: 42)
        let bigTeam = try #require(company.teams.max { $0.agentIDs.count < $1.agentIDs.count })
        let agentStates = Fixtures.request(.rawAgentStates, hours: 24)
        let all = generator.rowCount(for: agentStates)
        var byTeam = agentStates
        byTeam.selection.filters[.teams] = [bigTeam.id]
        let teamRows = rows(try generator.csv(for: byTeam)).dropFirst()
        #expect(!teamRows.isEmpty && teamRows.count < all)
        #expect(teamRows.allSatisfy { $0[6] == String(bigTeam.id) })

        var byPriority = Fixtures.request(.response, hours: 24)
        byPriority.selection.filters = [.priorities: [0, 5], .workqueues: [1, 2, 3]]
        let priorityRows = rows(try generator.csv(for: byPriority)).dropFirst()
        #expect(!priorityRows.isEmpty)
        #expect(priorityRows.allSatisfy { ["0", "5"].contains($0[6]) && ["1", "2", "3"].contains($0[5]) })

        let view = company.smartViews[0]
        var bySmartView = Fixtures.request(.conversationActions, hours: 24)
        bySmartView.selection.filters = [.smartViews: [view.id]]
        let viewRows = rows(try generator.csv(for: bySmartView)).dropFirst()
        #expect(!viewRows.isEmpty)
        for row in viewRows {
            #expect(
                view.matches(workqueueID: Int64(row[6]) ?? -1, priority: Int(row[7]) ?? -1, network: row[8]))
        }

        let week = Fixtures.request(.incomingPost, hours: 24 * 3)
        var within = week
        within.selection.businessHours = .within
        var outside = week
        outside.selection.businessHours = .outside
        let inside = generator.rowCount(for: within)
        #expect(inside > 0 && inside < generator.rowCount(for: week))
        #expect(inside + generator.rowCount(for: outside) == generator.rowCount(for: week))

        let users = Fixtures.request(.user, hours: 24)
        var withDisabled = users
        withDisabled.selection.includeDisabled = true
        #expect(generator.rowCount(for: withDisabled) == company.agents.count)
        #expect(generator.rowCount(for: users) == company.agents.filter(\.enabled).count)
        var oneAgent = users
        oneAgent.selection.filters[.agents] = [company.agents.first { $0.enabled }!.id]
        #expect(generator.rowCount(for: oneAgent) == 1)
    }

    @Test("an inclusive endTime repeats the boundary row in both halves of a split")
    func inclusiveEnd() throws {
        let whole = Fixtures.request(.response, hours: 6)
        let records = rows(try generator.csv(for: whole))
        // A boundary exactly at one row's time (rows are on whole seconds).
        let middle = records[records.count / 2]
        let rowsAtBoundary = records.dropFirst().filter { $0[1] == middle[1] }.count
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        let boundary = Int64(try #require(formatter.date(from: middle[1])).timeIntervalSince1970 * 1000)
        let exclusive = rows(try concatenated(whole, cuts: [boundary]))
        let inclusive = rows(try concatenated(whole, cuts: [boundary], inclusive: true))
        #expect(exclusive.count == records.count)
        #expect(inclusive.count == records.count + rowsAtBoundary)
    }

    @Test("reportMetrics selects columns in the order given; JSON is an array of string objects")
    func columnsAndJSON() throws {
        var request = Fixtures.request(.response, hours: 3)
        request.selection.columns = ["content", "response_id"]
        let records = rows(try generator.csv(for: request))
        #expect(records.first == ["content", "response_id"])
        let json = try JSONSerialization.jsonObject(with: Data(generator.json(for: request))) as? [[String: String]]
        #expect(json?.count == records.count - 1)
        #expect(json?.first?["response_id"] == records[1][1])
        #expect(json?.first?["content"] == records[1][0])
        request.selection.columns = ["nope"]
        #expect(throws: ExportGenerationError.self) { try generator.csv(for: request) }
    }

    @Test("times are ISO 8601 with milliseconds and the offset in force, DST-correct")
    func timeFormatting() throws {
        var formatter = try #require(TimestampFormatter(timeZoneID: "America/New_York"))
        #expect(formatter.format(1_741_501_800_000) == "2025-03-09T01:30:00.000-05:00")
        #expect(formatter.format(1_741_503_600_123) == "2025-03-09T03:00:00.123-04:00")
        var utc = TimestampFormatter()
        #expect(utc.format(0) == "1970-01-01T00:00:00.000+00:00")
        var fixed = TimestampFormatter(offsetMillis: -21_600_000)
        #expect(fixed.format(1_741_503_600_000) == "2025-03-09T01:00:00.000-06:00")
        #expect(TimestampFormatter(timeZoneID: "Mars/Olympus") == nil)
    }

    @Test("free-text columns carry commas, quotes, line breaks and non-ASCII text")
    func awkwardText() throws {
        let csv = try generator.csv(for: Fixtures.request(.incomingPost, hours: 6))
        let text = String(decoding: csv, as: UTF8.self)
        #expect(text.contains("\"\""))
        #expect(rows(csv).dropFirst().contains { $0[10].contains("\n") })
        #expect(rows(csv).dropFirst().contains { $0[10].contains(",") })
        #expect(text.unicodeScalars.contains { !$0.isASCII })
    }

    @Test("volumes average the catalog's rows per day and vary by day and hour")
    func volumes() throws {
        for type in [ExportType.response, .rawExpertHelp] {
            var perDay: [Int] = []
            for day in 0..<14 {
                perDay.append(
                    generator.rowCount(
                        for: Fixtures.request(type, from: Fixtures.monday + Int64(day) * Fixtures.day, hours: 24)))
            }
            let mean = Double(perDay.reduce(0, +)) / Double(perDay.count)
            let target = Double(ExportCatalog.descriptor(for: type).defaultRowsPerDay)
            #expect(mean > target * 0.6 && mean < target * 1.5, "\(type): \(mean) per day")
            #expect(Double(perDay.max() ?? 0) > 2 * Double(perDay.min() ?? 1), "\(type): \(perDay)")
        }
        let night = generator.rowCount(
            for: Fixtures.request(.response, from: Fixtures.monday + 7 * Fixtures.hour, hours: 1))
        let noon = generator.rowCount(
            for: Fixtures.request(.response, from: Fixtures.monday + 17 * Fixtures.hour, hours: 1))
        #expect(noon > 2 * night)
    }

    @Test("the company has 8–50 teams of uneven sizes")
    func company() {
        for seed in [UInt64(1), 2, 3, 42] {
            let company = SyntheticCompany(seed: seed)
            #expect((8...50).contains(company.teams.count))
            let sizes = company.teams.map(\.agentIDs.count)
            #expect((sizes.max() ?? 0) >= 3 * (sizes.min() ?? 1))
            #expect(company.teamListing.count == company.teams.count)
        }
    }

    @Test("--faults parses every documented name and rejects bad input")
    func faultParsing() throws {
        let faults = try FaultConfiguration(
            parsing: "http5xx=0.05,http429=0.02,reset=0.02,fail=0.03,truncate=0.01,expire=0.05,background=2")
        #expect(
            faults
                == FaultConfiguration(
                    http5xx: 0.05, http429: 0.02, reset: 0.02, fail: 0.03, truncate: 0.01, expire: 0.05, background: 2))
        #expect(try FaultConfiguration(parsing: "") == .none)
        for bad in ["boom=0.1", "fail=2", "fail", "background=x", "http5xx=0.6,http429=0.6"] {
            #expect(throws: FaultConfigurationError.self) { try FaultConfiguration(parsing: bad) }
        }
    }
}

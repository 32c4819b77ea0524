import AnalyticsAPI
import ExportBasics
import ExportPlanner
import ExportSpec
import Foundation
import Testing

/// `--format json` and `--format table`.
@Suite struct RenderingTests {
    func sampleSpec(reversed: Bool = false, name: String = "sample") -> PipelineSpec {
        var exports = [
            B.export(
                "agents", .rawAgentStates, filters: [.teams: [1, 2]], splitBy: .teams,
                chunk: .fixed(CalendarDuration(1, .day))),
            B.export("raw", .combined, filters: [.workqueues: [7]]),
            B.export("interval", .teamPerformanceInterval, timeIntervalMillis: 3_600_000),
            B.export("teams", .teamPerformance),
        ]
        if reversed { exports.reverse() }
        return B.spec(
            name: name, timezone: "America/New_York", window: B.window(last: CalendarDuration(30, .day)),
            exports: exports, users: 2)
    }

    @Test func jsonIsByteIdenticalForTheSameSpecAndNow() throws {
        let first = PlanRenderer.json(try planOK(sampleSpec()))
        let second = PlanRenderer.json(try planOK(sampleSpec()))
        #expect(first == second)
        let later = PlanRenderer.json(try planOK(sampleSpec(), now: "2026-11-30T12:00:00Z"))
        #expect(first != later)
    }

    @Test func jsonHasEveryChunkWithItsParametersAndWindow() throws {
        let plan = try planOK(sampleSpec())
        let text = PlanRenderer.json(plan)
        let document = try JSONDecoder().decode(PlanJSONDocument.self, from: Data(text.utf8))
        let chunks = document.exports.flatMap(\.chunks)
        #expect(chunks.count == plan.chunkCount)
        let clock = ZonedClock(timeZone: try #require(TimeZone(identifier: "America/New_York")))
        for (entry, chunk) in zip(chunks, plan.chunks) {
            #expect(entry.id == chunk.id)
            #expect(entry.export == chunk.exportName)
            #expect(entry.type == chunk.type.rawValue)
            #expect(entry.queryItems == chunk.request.queryItems)
            #expect(entry.window.start.epochMillis == chunk.startMillis)
            #expect(entry.window.end.epochMillis == chunk.endMillis)
            #expect(entry.window.start.iso8601 == InstantFormat.iso8601(chunk.startMillis, in: clock))
            #expect(InstantFormat.parse(entry.window.end.iso8601) == chunk.endMillis)
            #expect(entry.reasons.map(\.code) == chunk.reasons.map(\.code))
        }
        // Keys are sorted, slashes are not escaped, and no number has a fraction.
        #expect(text.contains("\"America/New_York\""))
        #expect(text.range(of: #":\s*-?\d+\.\d"#, options: .regularExpression) == nil)
        #expect(text.contains("-05:00") && text.contains("-04:00"))
    }

    @Test func theJSONWriterHasJSONEncodersLayout() throws {
        // Escapes, non-ASCII, empty arrays, warnings: everything the writer does by hand.
        let plan = try planOK(sampleSpec(name: "sa\"m\\p\tlé\u{1}/x"), hints: ["agents": 12.5])
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        let encoded = String(decoding: try encoder.encode(PlanJSONDocument(plan)), as: UTF8.self)
        let expected = encoded.replacing(#/\[\n\n *\]/#, with: "[]") + "\n"
        #expect(PlanRenderer.json(plan) == expected)
    }

    @Test func reorderingExportsReordersButDoesNotChangeChunks() throws {
        let forward = try planOK(sampleSpec())
        let backward = try planOK(sampleSpec(reversed: true))
        #expect(Set(forward.chunks) == Set(backward.chunks))
    }

    @Test func theTableShowsEachExportTotalsAndTheEstimate() throws {
        let plan = try planOK(sampleSpec())
        let table = PlanRenderer.table(plan)
        for name in ["agents", "raw.incoming_post", "raw.response", "raw.conversation", "interval", "teams"] {
            #expect(table.contains("\n\(name) · "), "no block for \(name)")
        }
        #expect(table.contains("split_by: team"))
        #expect(table.contains("combined planned as incoming_post + response + conversation"))
        #expect(table.contains("never split by time"))
        #expect(table.contains("Estimate under the queue limits"))
        #expect(table.contains("wall time ≥"))
        #expect(table.contains(HumanFormat.count(plan.estimate.jobCount)))
        #expect(table.contains("2 API users × 2 running"))
        let longest = table.split(separator: "\n").map(\.count).max() ?? 0
        #expect(longest <= 120, "a line is \(longest) characters wide")
    }

    @Test func humanFormatsAreReadable() {
        #expect(HumanFormat.count(0) == "0")
        #expect(HumanFormat.count(999) == "999")
        #expect(HumanFormat.count(1_234_567) == "1,234,567")
        #expect(HumanFormat.duration(seconds: 45) == "45s")
        #expect(HumanFormat.duration(seconds: 750) == "12m 30s")
        #expect(HumanFormat.duration(seconds: 12_000) == "3h 20m")
        #expect(HumanFormat.duration(seconds: 3 * 86_400 + 7_200) == "3d 2h")
        #expect(HumanFormat.interval(millis: 3_600_000) == "1h")
        #expect(HumanFormat.interval(millis: 900_000) == "15min")
        #expect(HumanFormat.interval(millis: 604_800_000) == "1w")
    }
}

import AnalyticsAPI
import ExportBasics
import ExportPlanner
import ExportSpec
import ExportTestSupport
import Foundation
import Testing

typealias B = SpecBuilders

/// Epoch milliseconds of an ISO 8601 instant with an offset.
func ms(_ text: String) -> Int64 {
    guard let value = InstantFormat.parse(text) else {
        Issue.record("bad instant \(text)")
        return 0
    }
    return value
}

let hourMillis: Int64 = 3_600_000
let dayMillis: Int64 = 86_400_000

/// Plans and requires that planning found no errors.
func planOK(
    _ spec: PipelineSpec, now: String = "2026-11-29T12:00:00Z", hints: [String: Double] = [:],
    sourceLocation: Testing.SourceLocation = #_sourceLocation
) throws -> Plan {
    let result = Planner.plan(spec, now: B.instant(now), volumeHints: hints)
    let errors = result.diagnostics.filter { $0.severity == .error }
    #expect(errors.isEmpty, "unexpected errors: \(errors)", sourceLocation: sourceLocation)
    return result.plan
}

/// The single planned export of a plan with that name.
func export(_ plan: Plan, _ name: String, sourceLocation: Testing.SourceLocation = #_sourceLocation) throws
    -> PlannedExport
{
    try #require(plan.exports.first { $0.name == name }, "no export \(name)", sourceLocation: sourceLocation)
}

/// Checks that chunks tile [start, end) without gaps or overlaps.
func expectContiguous(
    _ chunks: [Chunk], from start: Int64, to end: Int64, sourceLocation: Testing.SourceLocation = #_sourceLocation
) {
    #expect(chunks.first?.startMillis == start, sourceLocation: sourceLocation)
    #expect(chunks.last?.endMillis == end, sourceLocation: sourceLocation)
    for (a, b) in zip(chunks, chunks.dropFirst()) {
        #expect(a.endMillis == b.startMillis, sourceLocation: sourceLocation)
    }
    for chunk in chunks { #expect(chunk.startMillis < chunk.endMillis, sourceLocation: sourceLocation) }
}

/// A one-export spec over a fixed local window.
func oneExportSpec(
    _ entry: ExportEntry, from: LocalDateTime, to: LocalDateTime, timezone: String = "UTC",
    run: RunConfig = RunConfig(), users: Int = 1
) -> PipelineSpec {
    B.spec(timezone: timezone, window: B.window(from: from, to: to), exports: [entry], users: users, run: run)
}

// Plans 18 months × daily chunks × 50 filter values × 6 exports (~164,000 chunks) and prints the time and the
// peak memory. Run it with scripts/bench-planner (release build). Not a test: nothing here asserts a time.
import AnalyticsAPI
import ExportPlanner
import ExportSpec
import Foundation

func location(_ line: Int) -> SourceLocation { SourceLocation(file: "bench.yaml", line: line, column: 3) }

let values = (1...50).map { Int64(1000 + $0) }
let daily = ChunkSize.fixed(CalendarDuration(1, .day))
let exports = [
    ExportEntry(
        name: "agent_states", type: .rawAgentStates, selection: ExportSelection(filters: [.teams: values]),
        splitBy: .teams, chunk: daily, location: location(10)),
    ExportEntry(
        name: "approvals", type: .responseApproval, selection: ExportSelection(filters: [.teams: values]),
        splitBy: .teams, chunk: daily, location: location(20)),
    ExportEntry(
        name: "interval", type: .teamPerformanceInterval,
        selection: ExportSelection(filters: [.teams: values], timeIntervalMillis: 3_600_000), splitBy: .teams,
        chunk: daily, location: location(30)),
    ExportEntry(
        name: "posts", type: .incomingPost, selection: ExportSelection(filters: [.workqueues: values]),
        splitBy: .workqueues, chunk: daily, location: location(40)),
    ExportEntry(
        name: "responses", type: .response, selection: ExportSelection(filters: [.workqueues: values]),
        splitBy: .workqueues, chunk: daily, location: location(50)),
    ExportEntry(
        name: "conversations", type: .conversation,
        selection: ExportSelection(filters: [.workqueues: values], conversationReportType: .closed),
        splitBy: .workqueues, chunk: daily, location: location(60)),
]
let spec = PipelineSpec(
    file: "bench.yaml", version: 1, name: "bench",
    api: APIConfig(
        baseURL: Interpolated(raw: "simulator", location: location(2)),
        companyKey: Interpolated(raw: "${KEY}", location: location(2)),
        users: [
            APIUser(
                username: Interpolated(raw: "a", location: location(3)), password: .environment("A"),
                location: location(3)),
            APIUser(
                username: Interpolated(raw: "b", location: location(4)), password: .environment("B"),
                location: location(4)),
        ]),
    defaults: Defaults(timezone: "Europe/Berlin", locale: "en", chunk: .auto),
    window: WindowSpec(start: .last(CalendarDuration(18, .month)), end: .today, location: location(6)),
    exports: exports, output: OutputConfig(), run: RunConfig(), sourceHash: String(repeating: "0", count: 64))

/// VmHWM (peak resident set) from /proc/self/status, in kB; nil where there is no /proc.
func peakResidentKilobytes() -> Int? {
    guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return nil }
    for line in status.split(separator: "\n") where line.hasPrefix("VmHWM:") {
        return Int(line.split(separator: " ").dropFirst().first ?? "")
    }
    return nil
}

let now = Date(timeIntervalSince1970: 1_795_953_600)  // 2026-11-29T12:00:00Z, fixed so runs compare
let renderJSON = CommandLine.arguments.contains("--json")
let printTable = CommandLine.arguments.contains("--table")
let clock = ContinuousClock()
var result: PlanResult?
let planTime = clock.measure { result = Planner.plan(spec, now: now) }
guard let result else { fatalError("unreachable") }
let peakAfterPlan = peakResidentKilobytes()
print(
    "planned \(result.plan.chunkCount) chunks in \(result.plan.exports.count) exports, \(result.diagnostics.count) diagnostics"
)
print("plan time: \(planTime)")
if let peakAfterPlan { print("peak memory (VmHWM) after planning: \(peakAfterPlan / 1024) MB") }
print(
    "estimate: \(result.plan.estimate.jobCount) jobs, total \(HumanFormat.duration(seconds: result.plan.estimate.totalJobSeconds)), wall ≥ \(HumanFormat.duration(seconds: result.plan.estimate.wallSecondsLowerBound))"
)
if renderJSON {
    var bytes = 0
    let jsonTime = clock.measure { bytes = PlanRenderer.jsonBytes(result.plan).count }
    print("json render: \(bytes / 1_048_576) MB in \(jsonTime)")
    if let peak = peakResidentKilobytes() { print("peak memory (VmHWM) after JSON: \(peak / 1024) MB") }
}
if printTable { print(PlanRenderer.table(result.plan), terminator: "") }

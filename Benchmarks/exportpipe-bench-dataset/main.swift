// The partitioned dataset's cost per night against its history (scripts/bench-dataset; the "cost grows with new
// data, not with history" row of scripts/bench). Two datasets of the same pipeline (`output.layout: partitioned`,
// day partitions, gzip, settle 3d: pipelines/nightly.yaml's shape; two small exports, ~300 and ~500 rows a day, so
// the 540-day backfill stays short), one backfilled over 7 days and one over 540, are
// run on the same nights, alternately; a nightly run exports the same new day and unsettled days in both. Runs are
// in process, through the composition the command line runs (`PipelineRun`), against the in-process simulator at a
// time scale so high that the API's waits cost nothing: what a run's wall time measures is local work (planning,
// the dataset's manifests and files, HTTP on loopback, the simulator rendering the same files for both). Prints a
// line per night to standard error and one JSON object to standard output. Not a test: nothing here asserts a time.
//
//   exportpipe-bench-dataset [NIGHTS]      nightly runs per dataset (default 7)
import AnalyticsAPI
import AnalyticsSimulator
import ExportDataset
import ExportExecutor
import ExportPlanner
import ExportRun
import ExportSpec
import ExportTestSupport
import Foundation

let nights = CommandLine.arguments.dropFirst().first.flatMap { Int($0) } ?? 7
let histories = [7, 540]
let scale = 1_000_000.0
let settleSeconds = 3.0 * 86_400
let day0 = SpecBuilders.instant("2026-11-20T06:00:00Z")

func note(_ text: String) { FileHandle.standardError.write(Data((text + "\n").utf8)) }

func spec(history: Int) -> PipelineSpec {
    var spec = SpecBuilders.spec(
        name: "bench-dataset", timezone: "UTC", window: SpecBuilders.window(last: CalendarDuration(history, .day)),
        exports: [
            SpecBuilders.export("help-requests", .rawExpertHelp),
            SpecBuilders.export("approvals", .responseApproval),
        ])
    spec.output.layout = .partitioned
    spec.output.compression = .gzip
    return spec
}

func seconds(_ duration: Duration) -> Double {
    Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
}

func median(_ values: [Double]) -> Double {
    let sorted = values.sorted()
    return sorted.isEmpty ? 0 : sorted[sorted.count / 2]
}

let root = FileManager.default.temporaryDirectory.appendingPathComponent("exportpipe-bench-dataset-\(UUID())").path
defer { try? FileManager.default.removeItem(atPath: root) }
var configuration = SimulatorConfiguration(
    seed: 7, timeScale: scale, startEpochMillis: Int64(day0.timeIntervalSince1970 * 1000))
configuration.users = ["user1": "pw1"]
let simulator = try await AnalyticsSimulator.start(configuration)
let clock = ContinuousClock()

func run(history: Int, now: Date) async throws -> (seconds: Double, outcome: PipelineHarness.Outcome) {
    let directory = root + "/\(history)"
    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    // Each night's `exportpipe run` is a new process: it has decoded no manifest yet.
    DatasetManifestStore.forgetAll()
    let started = clock.now
    let outcome = try await PipelineHarness.run(
        spec(history: history), on: simulator, directory: directory, now: now, timeScale: scale,
        passwords: ["user1": "pw1"], settleSeconds: settleSeconds)
    let elapsed = seconds(clock.now - started)
    guard outcome.incomplete.isEmpty, outcome.summary.failed.isEmpty else {
        note(
            "the run of the \(history)-day dataset at \(now) did not complete: \(outcome.incomplete) \(outcome.summary.failed.prefix(3))"
        )
        exit(1)
    }
    return (elapsed, outcome)
}

/// Reading the manifests and looking at the files (`DatasetWindowSource.load`), alone: the part of a run that
/// reads the whole history.
func loadSeconds(history: Int) throws -> Double {
    let started = clock.now
    for _ in 0..<20 {
        _ = try DatasetWindowSource.load(
            outputDirectory: root + "/\(history)/out", grain: .day, compression: .gzip,
            settleMillis: Int64(settleSeconds * 1000), refresh: nil)
    }
    return seconds(clock.now - started) / 20
}

for history in histories {
    let (elapsed, outcome) = try await run(history: history, now: day0)
    let partitions = outcome.run.outputs.values.compactMap(\.partitions).map(\.written).reduce(0, +)
    note(String(format: "backfill of %3d days: %.2f s, %d partitions written", history, elapsed, partitions))
}
var times: [Int: [Double]] = [:]
for night in 1...nights {
    let now = day0.addingTimeInterval(Double(night) * 86_400)
    // Alternately, so a change in the machine's load touches both alike.
    for history in night % 2 == 0 ? histories : histories.reversed() {
        let (elapsed, outcome) = try await run(history: history, now: now)
        times[history, default: []].append(elapsed)
        let counts = outcome.run.outputs.values.compactMap(\.partitions)
        note(
            String(
                format: "night %d, %3d-day history: %.3f s (%d chunks; partitions written %d, present %d)", night,
                history, elapsed, outcome.plan.chunks.count, counts.map(\.written).reduce(0, +),
                counts.compactMap(\.total).reduce(0, +)))
    }
}
try await simulator.shutdown()

/// Milliseconds `body` takes, averaged over `times` calls.
func milliseconds(_ times: Int = 10, _ body: () throws -> Void) rethrows -> Double {
    let started = clock.now
    for _ in 0..<times { try body() }
    return seconds(clock.now - started) * 1000 / Double(times)
}

/// The parts of a nightly run that read the whole history, each alone, on each dataset as the nights left it.
for history in histories {
    let out = root + "/\(history)/out"
    let spec = spec(history: history)
    let now = day0.addingTimeInterval(Double(nights + 1) * 86_400)
    let plan = try PipelineRun.plan(spec, now: now, journal: nil, baseDirectory: root + "/\(history)").plan
    let output = PartitionedOutput(
        directory: out, grain: .day, compression: .gzip, stateDirectory: StateDirectory(root + "/\(history)/state"),
        toolVersion: "bench", now: now, settleSeconds: settleSeconds)
    let names = plan.exports.map(\.name)
    let manifestPath = out + "/approvals/" + DatasetLayout.manifestName
    let manifest = try DatasetManifestStore.read(from: manifestPath)!
    let manifestBytes = try Data(contentsOf: URL(fileURLWithPath: manifestPath))
    let parts: [(String, Double)] = [
        (
            "load (read manifests, stat files)",
            try milliseconds {
                _ = try DatasetWindowSource.load(
                    outputDirectory: out, grain: .day, compression: .gzip, settleMillis: 0, refresh: nil)
            }
        ),
        (
            "plan (load + decide + cut)",
            try milliseconds {
                _ = try PipelineRun.plan(spec, now: now, journal: nil, baseDirectory: root + "/\(history)")
            }
        ),
        // Decoding alone: `read` returns the manifest it already decoded while the file is unchanged.
        ("decode one manifest", try milliseconds { _ = try DatasetManifestStore.decode(manifestBytes) }),
        ("encode one manifest", milliseconds { _ = DatasetManifestStore.encode(manifest) }),
        (
            "write one manifest (encode, fsync, rename)",
            try milliseconds {
                try DatasetManifestStore.write(manifest, to: root + "/m.json")
            }
        ),
        ("remove leftovers", milliseconds { output.removeLeftovers(of: plan) }),
        ("current outputs", milliseconds { _ = output.current(names) }),
    ]
    note("\(history)-day history: " + parts.map { String(format: "%@ %.1f ms", $0.0, $0.1) }.joined(separator: "; "))
}
let small = median(times[histories[0]] ?? [])
let large = median(times[histories[1]] ?? [])
let loads = try histories.map { try loadSeconds(history: $0) }
let result: [String: Any] = [
    "nights": nights, "histories": histories, "median_seconds": [small, large], "ratio": large / small,
    "load_seconds": loads, "time_scale": scale,
]
let data = try JSONSerialization.data(withJSONObject: result, options: [.sortedKeys])
print(String(decoding: data, as: UTF8.self))
note(
    String(
        format: "median nightly run: %.3f s with %d partitions present, %.3f s with %d: ratio %.2f (goal ≤ 1.5)",
        large, histories[1], small, histories[0], large / small))
note(
    String(
        format: "of which reading the manifests and looking at the files: %.1f ms (%d) and %.1f ms (%d)",
        loads[1] * 1000, histories[1], loads[0] * 1000, histories[0]))

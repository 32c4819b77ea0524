import ExportBasics
import ExportDataset
import Foundation

/// A partitioned pipeline run night after night as CI runs it: the `exportpipe` binary (`run --now NIGHT
/// --progress json`) against one `exportpipe simulator` process with late data, whose API clock moves on to each
/// night's `--now` before its run (`POST /_sim/clock`): late rows arrive between nights as they would, and the jobs
/// of a run killed with SIGKILL outlive it. Tests check each night in the hook `runNights` calls, and the dataset
/// at the end (`snapshot`, `referenceExport`).
public final class NightlyWorkspace: @unchecked Sendable {
    public static let username = "u1"
    public static let password = "nightly-password-3c1"
    public static let companyKey = "nightly-company-9e2"
    /// The variables every run gets: the API password and company key the spec names.
    public static let credentials = ["EP_PASSWORD": password, "EP_COMPANY_KEY": companyKey]

    public let runner: CLIRunner
    public let directory: URL
    public let simulator: SimulatorProcess
    /// The simulator's time scale, which every run is told too.
    public let timeScale: Int
    /// The spec as written by `writeSpec` (a test may change it between nights and write it again).
    public var spec: NightlySpec
    public var specPath: String { directory.path + "/pipeline.yaml" }
    /// `<dir>/out`: the datasets, `run-summary.json`.
    public var outputDirectory: String { directory.path + "/out" }
    /// The Prometheus text file every run writes (`--metrics-file`).
    public var metricsPath: String { directory.path + "/exportpipe.prom" }
    /// The environment of every run: `credentials`, plus what a test adds (e.g. a database password for `output.load`).
    public var environment: [String: String] = NightlyWorkspace.credentials

    /// Starts the simulator at `start` (the first night's `--now`) with `--late-days lateDays`, and writes the spec.
    /// API time runs on at `timeScale` during a night's run too: a modest scale keeps it close to the night's `--now`
    /// (a few seconds of a run are an hour or two of API time), so late data is as late as the night says.
    public init(
        runner: CLIRunner, spec: NightlySpec, start: String, lateDays: Int, seed: Int = 11, timeScale: Int = 2_000
    ) throws {
        self.runner = runner
        self.spec = spec
        self.timeScale = timeScale
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("ep-nights-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        simulator = try SimulatorProcess(
            binary: runner.binary,
            arguments: [
                "--seed", String(seed), "--time-scale", String(timeScale), "--user",
                "\(Self.username):\(Self.password)", "--company-key", Self.companyKey, "--late-days",
                String(lateDays), "--start", start,
            ])
        try writeSpec()
    }

    /// Writes `spec` to `pipeline.yaml`.
    public func writeSpec() throws {
        try spec.yaml(baseURL: simulator.baseURL, username: Self.username).write(
            toFile: specPath, atomically: true, encoding: .utf8)
    }

    /// What one night did.
    public struct Night: @unchecked Sendable {
        /// 1-based, as in the schedule.
        public var number: Int
        /// Its `--now`.
        public var now: String
        /// Its date, `YYYY-MM-DD` (UTC; the spec's zone has the same date at the schedule's time of day).
        public var date: String
        /// The run killed with SIGKILL this night, and the dataset as that kill left it.
        public var killed: KilledRun?
        public var killedLeft: DatasetSnapshot?
        /// The run that finished the night.
        public var result: CLIResult
        /// Its `--progress json` events, and the `summary` object it ended with.
        public var events: [[String: Any]]
        public var summary: [String: Any]
        /// Submissions the simulator received this night, from every run of it.
        public var submissions: Int
        /// The dataset after the night.
        public var dataset: DatasetSnapshot
    }

    /// Runs every night of `schedule` that is not skipped (the killed night twice: killed when `killWhen` first
    /// holds for one of its progress events, then run to the end), calling `each` after each night.
    public func runNights(
        _ schedule: NightlySchedule, killWhen: @escaping @Sendable ([String: Any]) -> Bool = { _ in true },
        each: (Night) async throws -> Void
    ) async throws {
        for number in schedule.running {
            let now = schedule.now(of: number)
            try await simulator.moveClock(to: now)
            let before = try await submissions()
            var killed: KilledRun?
            var killedLeft: DatasetSnapshot?
            if schedule.killed == number {
                killed = try await runKilled(now: now, when: killWhen)
                killedLeft = try snapshot()
            }
            let result = try await run(now: now)
            let events = Self.jsonLines(result.stdout)
            let night = Night(
                number: number, now: now, date: schedule.date(of: number), killed: killed, killedLeft: killedLeft,
                result: result, events: events, summary: events.last { $0["kind"] as? String == "summary" } ?? [:],
                submissions: try await submissions() - before, dataset: try snapshot())
            try await each(night)
        }
    }

    /// The arguments of one night's run.
    func arguments(now: String) -> [String] {
        [
            "run", specPath, "--now", now, "--time-scale", String(timeScale), "--progress", "json", "--coordinator",
            "none", "--metrics-file", metricsPath,
        ]
    }

    /// Runs the pipeline at `now` to its end.
    public func run(now: String) async throws -> CLIResult {
        try await runner.run(arguments(now: now), environment: environment, timeout: 300)
    }

    /// A run killed with SIGKILL: the events it printed up to the one the kill followed (nil when it ended first).
    public struct KilledRun: @unchecked Sendable {
        public var events: [[String: Any]]
        public var killedAfter: [String: Any]?
    }

    /// Starts the pipeline at `now` and kills it with SIGKILL as soon as one of its `--progress json` events makes
    /// `when` true.
    public func runKilled(
        now: String, when: @escaping @Sendable ([String: Any]) -> Bool, timeout: Double = 120
    ) async throws -> KilledRun {
        let process = Process()
        process.executableURL = runner.binary
        process.arguments = arguments(now: now)
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { _, new in new }
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        try process.run()
        try pipe.fileHandleForWriting.close()
        let handle = pipe.fileHandleForReading
        let pid = process.processIdentifier
        // The blocking reads run on a thread of their own, not on one of the few the suite's tasks share.
        let seen: KilledRun = await withCheckedContinuation { continuation in
            Thread.detachNewThread {
                var events: [[String: Any]] = []
                var buffer = Data()
                let deadline = Date().addingTimeInterval(timeout)
                while Date() < deadline {
                    let data = handle.availableData
                    if data.isEmpty { break }
                    buffer.append(data)
                    while let newline = buffer.firstIndex(of: 0x0A) {
                        let line = buffer[buffer.startIndex..<newline]
                        buffer = Data(buffer[buffer.index(after: newline)...])
                        guard let event = try? JSONSerialization.jsonObject(with: line) as? [String: Any] else {
                            continue
                        }
                        events.append(event)
                        if when(event) {
                            kill(pid, SIGKILL)
                            continuation.resume(returning: KilledRun(events: events, killedAfter: event))
                            return
                        }
                    }
                }
                kill(pid, SIGKILL)
                continuation.resume(returning: KilledRun(events: events, killedAfter: nil))
            }
        }
        process.waitUntilExit()
        try? handle.close()
        return seen
    }

    /// Submissions of our user the simulator has received so far.
    public func submissions() async throws -> Int {
        ((try await simulator.stats()["users"] as? [String: Any])?["submissions"] as? Int) ?? 0
    }

    /// The datasets on disk now.
    public func snapshot() throws -> DatasetSnapshot {
        try DatasetSnapshot(outputDirectory: outputDirectory, exports: spec.exports.map(\.name))
    }

    /// The objects of a `--progress json` output, one a line.
    public static func jsonLines(_ text: String) -> [[String: Any]] {
        text.split(separator: "\n").compactMap {
            try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }
    }

    public func cleanup() {
        simulator.stop()
        try? FileManager.default.removeItem(at: directory)
    }
}

/// Every export's dataset as it is on disk: its manifest, and the SHA-256 of every file under its folder.
public struct DatasetSnapshot: Sendable, Equatable {
    /// By export name; nil when an export has no manifest yet.
    public var manifests: [String: DatasetManifest]
    /// Every file under `<out>/<export>/` (the manifest too, and temporary files), relative to `<out>`, with the
    /// SHA-256 of its bytes.
    public var files: [String: String]

    public init(outputDirectory: String, exports: [String]) throws {
        manifests = [:]
        files = [:]
        for export in exports {
            let root = outputDirectory + "/" + export
            if let manifest = try DatasetManifestStore.read(from: root + "/" + DatasetLayout.manifestName) {
                manifests[export] = manifest
            }
            let names = FileManager.default.enumerator(atPath: root)?.compactMap { $0 as? String } ?? []
            for name in names {
                var isDirectory: ObjCBool = false
                let path = root + "/" + name
                guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue
                else { continue }
                files[export + "/" + name] = try Hex.sha256(ofFileAt: path)
            }
        }
    }

    /// The partition files (not the manifests, not temporary files), relative to `<out>`.
    public var partitionFiles: [String: String] {
        files.filter { path, _ in
            let name = path.split(separator: "/").last.map(String.init) ?? ""
            return !name.hasPrefix(".") && !name.hasPrefix("_") && path.contains("=")
        }
    }

    /// Files that are neither a manifest nor a partition file (temporary files a kill left, or worse).
    public var strayFiles: [String] {
        files.keys.filter { path in
            partitionFiles[path] == nil && !path.hasSuffix("/" + DatasetLayout.manifestName)
        }.sorted()
    }
}

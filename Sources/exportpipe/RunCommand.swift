import AnalyticsAPI
import AnalyticsClient
import AnalyticsSimulator
import ArgumentParser
import ExportExecutor
import ExportPlanner
import ExportRun
import ExportSpec
import Foundation

/// `exportpipe run SPEC`: plan, execute under the queue limits with a journal, merge.
struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run a pipeline: submit its chunks under the queue limits, download, verify and merge them.",
        discussion: """
            A run resumes from its journal (<state_dir>/journal.sqlite) when there is one: finished chunks are \
            kept, jobs still in flight are followed again through their status URLs, nothing is submitted twice. \
            One run holds a state directory at a time: a second run of the same pipeline waits for the first (or \
            exits with --no-wait). Exit status: 0 all done, 1 some chunks failed for good, 2 spec errors, 3 \
            run.deadline passed (journal saved; run again to go on), 75 the state directory is held by another run \
            (--no-wait), 130 interrupted (journal saved; run again to resume).
            """
    )

    @Argument(help: "The pipeline spec file.", completion: .file(extensions: ["yaml", "yml"]))
    var spec: String

    @Option(help: "Progress display: auto (bars on a terminal, plain lines otherwise), tty, plain or json.")
    var progress: ProgressStyleOption = .auto

    @Option(help: "Run as of this instant (YYYY-MM-DD or ISO 8601 with an offset): windows and the retention check.")
    var now: String?

    @Flag(
        help: ArgumentHelp(
            "Forget the journal and chunk files of earlier runs and start over (only the files exportpipe wrote are "
                + "removed)."))
    var noResume = false

    @Flag(
        help: ArgumentHelp(
            "When another run holds the state directory, exit at once (status \(ExitCodes.stateDirectoryBusy)) "
                + "instead of waiting for it."))
    var noWait = false

    @Option(
        help: ArgumentHelp(
            "API seconds per real second: the in-process simulator's speed (default 2000), or that of an external "
                + "simulator started with the same --time-scale. Leave it alone against the real API."))
    var timeScale: Double?

    @Option(help: "Seed of the in-process simulator's synthetic data.")
    var simulatorSeed: UInt64 = 1

    @Option(help: "Faults for the in-process simulator, e.g. http5xx=0.05,fail=0.03 (see docs/simulator.md).")
    var simulatorFaults: String?

    func validate() throws {
        try NowOption.validate(now)
        if let timeScale, !(timeScale > 0) { throw ValidationError("--time-scale must be positive") }
        if let simulatorFaults {
            do { _ = try FaultConfiguration(parsing: simulatorFaults) } catch {
                throw ValidationError("--simulator-faults: \(error)")
            }
        }
    }

    func run() async throws {
        let instant = now.flatMap(NowOption.parse) ?? Date()
        let loaded = SpecLoader.load(contentsOf: spec, now: instant)
        if !loaded.diagnostics.isEmpty {
            FileHandle.standardError.write(
                Data(DiagnosticRenderer.render(loaded.diagnostics, source: loaded.source, format: .human).utf8))
        }
        guard let pipeline = loaded.spec else { throw ExitCode(ExitCodes.specErrors) }
        let baseDirectory = URL(fileURLWithPath: spec).deletingLastPathComponent().path
        let stateDirectory = PipelineRun.resolve(pipeline.output.stateDir, against: baseDirectory)

        // One run per state directory: held until this process ends (the kernel frees it however it ends).
        let lock: StateDirectoryLock
        do {
            lock = try await StateDirectoryLock.acquire(
                StateDirectory(stateDirectory), as: .current(pipeline: pipeline.name, command: "run"), wait: !noWait,
                waiting: { busy in
                    FileHandle.standardError.write(
                        Data("\(busy); waiting for it to finish (--no-wait exits instead)\n".utf8))
                })
        } catch let busy as StateDirectoryLock.Busy {
            FileHandle.standardError.write(
                Data(
                    ("error: \(busy). Nothing was changed; run again when it has finished, or give this run its own "
                        + "output.state_dir.\n").utf8))
            throw ExitCode(ExitCodes.stateDirectoryBusy)
        } catch is CancellationError {
            throw ExitCode(ExitCodes.interrupted)
        } catch {
            FileHandle.standardError.write(Data("error: \(error)\n".utf8))
            throw ExitCode(ExitCodes.failed)
        }
        defer { lock.release() }
        if noResume {
            do {
                let cleanup = try StateDirectory(stateDirectory).reset()
                if !cleanup.kept.isEmpty {
                    FileHandle.standardError.write(
                        Data(
                            ("--no-resume: kept what exportpipe did not create in \(stateDirectory): "
                                + cleanup.kept.joined(separator: ", ") + "\n").utf8))
                }
            } catch {
                FileHandle.standardError.write(
                    Data("error: --no-resume could not remove the earlier run's files: \(error)\n".utf8))
                throw ExitCode(ExitCodes.failed)
            }
        }

        let settings: RunSettings
        do {
            settings = try RunSettings.resolve(
                pipeline, environment: ProcessInfo.processInfo.environment, baseDirectory: baseDirectory,
                simulator: pipeline.api.usesSimulator)
        } catch {
            FileHandle.standardError.write(Data("\(error)\n".utf8))
            throw ExitCode(ExitCodes.specErrors)
        }

        var simulator: RunningSimulator?
        var baseURL = settings.baseURL
        var scale = timeScale ?? 1
        if pipeline.api.usesSimulator {
            scale = timeScale ?? 2_000
            let users = Dictionary(settings.users.map { ($0.username, $0.password) }, uniquingKeysWith: { a, _ in a })
            let started = try await AnalyticsSimulator.start(
                SimulatorConfiguration(
                    seed: simulatorSeed, timeScale: scale, companyKey: settings.companyKey, users: users,
                    faults: try simulatorFaults.map(FaultConfiguration.init(parsing:)) ?? .none))
            simulator = started
            baseURL = started.baseURL
            FileHandle.standardError.write(Data("running on the in-process simulator at \(started.baseURL)\n".utf8))
        }

        let transport = AsyncHTTPClientTransport()
        // One clock for the client and the executor: API seconds at the simulator's speed (1 for the real API).
        let clock = ScaledClock(scale: scale)
        let client = AnalyticsClient(
            configuration: .init(baseURL: baseURL, companyKey: settings.companyKey), transport: transport,
            clock: clock)
        let configuration = ExecutorConfiguration(
            users: settings.users, outstandingPerUser: pipeline.run.outstandingPerUser, attempts: pipeline.run.attempts,
            clock: clock, stateDirectory: stateDirectory,
            settleSeconds: pipeline.run.settle.approximateSeconds,
            stuckAfterSeconds: pipeline.run.stuckAfter.approximateSeconds,
            deadlineSeconds: pipeline.run.deadline?.approximateSeconds)
        let run = PipelineRun(
            spec: pipeline, client: client, configuration: configuration, now: instant,
            toolVersion: ExportPipeVersion.current, baseDirectory: baseDirectory)

        let renderer = RendererBox()
        let style = progress.style
        let task = Task {
            try await run.execute(
                events: { event in renderer.renderer?.handle(event) },
                planned: { plan in
                    renderer.renderer = ProgressRenderer(
                        style: style, totals: plan.exports.map { ($0.name, $0.chunks.count) })
                })
        }
        let signals = InterruptHandler { task.cancel() }
        defer { signals.stop() }

        let outcome: PipelineRun.Outcome
        do {
            outcome = try await task.value
        } catch let failed as PlanningFailed {
            FileHandle.standardError.write(Data("\(failed)\n".utf8))
            try? await shutdown(transport, simulator)
            throw ExitCode(ExitCodes.specErrors)
        } catch {
            FileHandle.standardError.write(Data("error: \(error)\n".utf8))
            try? await shutdown(transport, simulator)
            throw ExitCode(task.isCancelled ? ExitCodes.interrupted : ExitCodes.failed)
        }
        renderer.renderer?.finish(summary: outcome.summary)
        try? await shutdown(transport, simulator)

        if outcome.summary.deadlineReached {
            FileHandle.standardError.write(
                Data(
                    ("run.deadline passed: nothing new was submitted; the journal keeps every job in flight. Run the "
                        + "same command again to go on\n").utf8))
            throw ExitCode(ExitCodes.deadline)
        }
        if outcome.summary.interrupted || task.isCancelled {
            FileHandle.standardError.write(
                Data("interrupted: the journal is saved; run the same command again to resume\n".utf8))
            throw ExitCode(ExitCodes.interrupted)
        }
        var lines = outcome.merged.map { "wrote \($0.file): \($0.rows) rows, \($0.bytes) bytes, sha256 \($0.sha256)" }
        if !outcome.merged.isEmpty { lines.append("manifest: \(outcome.manifestPath)") }
        for name in outcome.incomplete {
            lines.append("not merged: \(name) has chunks that failed for good (its previous output is untouched)")
        }
        if progress != .json { FileHandle.standardError.write(Data((lines.joined(separator: "\n") + "\n").utf8)) }
        if !outcome.summary.failed.isEmpty || !outcome.incomplete.isEmpty { throw ExitCode(ExitCodes.failed) }
    }

    private func shutdown(_ transport: AsyncHTTPClientTransport, _ simulator: RunningSimulator?) async throws {
        try await transport.shutdown()
        try await simulator?.shutdown()
    }
}

/// `--progress`.
enum ProgressStyleOption: String, CaseIterable, ExpressibleByArgument {
    case auto, tty, plain, json

    var style: ProgressRenderer.Style { ProgressRenderer.Style(rawValue: rawValue) ?? .auto }
}

/// Holds the renderer, created once the plan is known.
final class RendererBox: @unchecked Sendable {
    private let lock = NSLock()
    private var value: ProgressRenderer?
    var renderer: ProgressRenderer? {
        get { lock.withLock { value } }
        set { lock.withLock { value = newValue } }
    }
}

extension CalendarDuration {
    /// Seconds, with months as 30 days (for settle periods, where a calendar is not needed).
    var approximateSeconds: Double {
        let unit: Double =
            switch self.unit {
            case .minute: 60
            case .hour: 3600
            case .day: 86_400
            case .week: 604_800
            case .month: 2_592_000
            }
        return Double(value) * unit
    }
}

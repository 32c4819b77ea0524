import AnalyticsAPI
import AnalyticsClient
import AnalyticsSimulator
import ArgumentParser
import ExportCoordination
import ExportExecutor
import ExportPlanner
import ExportRun
import ExportSpec
import Foundation
import RunReporting

/// One `run` or `retry` from the command line: load the spec, resolve its secrets, start the in-process
/// simulator when the spec asks for it, execute with progress, and leave the summary, the report and the
/// metrics for the operator. The exit status follows the command line contract.
struct RunInvocation {
    /// What `retry` narrows the run to.
    struct RetrySelection {
        var export: String?
        var chunk: String?
    }

    var specPath: String
    var options: RunOptions
    var noResume = false
    var retry: RetrySelection?

    func perform() async throws {
        let instant = options.now.flatMap(NowOption.parse) ?? Date()
        let loaded = try LoadedPipeline.load(specPath, now: instant, printWarnings: true)
        let pipeline = loaded.spec
        let baseDirectory = loaded.baseDirectory
        let stateDirectory = loaded.stateDirectory
        let journalPath = loaded.journalPath

        // One run per state directory: held until this process ends (the kernel frees it however it ends).
        let lock = try await holdStateDirectory(stateDirectory, pipeline: pipeline.name)
        defer { lock.release() }
        if noResume { try startOver(stateDirectory) }
        if retry != nil, !FileManager.default.fileExists(atPath: journalPath) {
            FileHandle.standardError.write(
                Data(
                    ("error: no journal at \(journalPath): nothing has run yet, so nothing can be retried; "
                        + "`exportpipe run \(specPath)` runs the pipeline\n").utf8))
            throw ExitCode(ExitCodes.specErrors)
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
        var scale = options.timeScale ?? 1
        if pipeline.api.usesSimulator {
            scale = options.timeScale ?? 2_000
            let users = Dictionary(settings.users.map { ($0.username, $0.password) }, uniquingKeysWith: { a, _ in a })
            let started = try await AnalyticsSimulator.start(
                SimulatorConfiguration(
                    seed: options.simulatorSeed, timeScale: scale, companyKey: settings.companyKey, users: users,
                    faults: try options.simulatorFaults.map(FaultConfiguration.init(parsing:)) ?? .none))
            simulator = started
            baseURL = started.baseURL
            FileHandle.standardError.write(Data("running on the in-process simulator at \(started.baseURL)\n".utf8))
        }

        // The company's queue slots, shared with every other runner of the company (docs/coordination.md).
        let environment = ProcessInfo.processInfo.environment
        let coordinator: TableCoordinator
        let coordination: ExecutorCoordination
        do {
            let (setting, _) = try RunCoordination.setting(
                flag: options.coordinator, environment: environment, spec: pipeline.run.coordinator)
            coordinator = try await RunCoordination.open(
                setting, passwordVariable: pipeline.run.coordinatorPasswordEnv, environment: environment)
            do {
                coordination = try RunCoordination.executorCoordination(
                    coordinator, spec: pipeline, baseURL: baseURL, companyKey: settings.companyKey,
                    environment: environment, stateDirectory: stateDirectory)
            } catch {
                await coordinator.close()
                throw error
            }
        } catch {
            try? await simulator?.shutdown()
            FileHandle.standardError.write(
                Data("error: the coordinator cannot be used: \(error); nothing was submitted\n".utf8))
            throw ExitCode(error is CoordinatorSettingError ? ExitCodes.specErrors : ExitCodes.failed)
        }

        let transport = AsyncHTTPClientTransport()
        // One clock for the client and the executor: API seconds at the simulator's speed (1 for the real API).
        let clock = ScaledClock(scale: scale)
        let client = AnalyticsClient(
            configuration: .init(baseURL: baseURL, companyKey: settings.companyKey), transport: transport,
            clock: clock)
        let configuration = ExecutorConfiguration(
            users: settings.users, outstandingPerUser: pipeline.run.outstandingPerUser,
            limits: RunCoordination.queueLimits(pipeline), attempts: pipeline.run.attempts,
            clock: clock, stateDirectory: stateDirectory,
            settleSeconds: pipeline.run.settle.approximateSeconds,
            stuckAfterSeconds: pipeline.run.stuckAfter.approximateSeconds,
            deadlineSeconds: pipeline.run.deadline?.approximateSeconds, coordination: coordination)
        let run = PipelineRun(
            spec: pipeline, client: client, configuration: configuration, now: instant,
            toolVersion: ExportPipeVersion.current, baseDirectory: baseDirectory)

        // `retry`: the chunks that failed for good, as the journal has them now.
        var selected: [ChunkRecord]?
        if let retry {
            do {
                let journal = try Journal(path: journalPath)
                let result = try run.plan(journal: journal)
                guard !result.hasErrors else {
                    throw RetrySelectionFailed(
                        description: result.diagnostics.map(\.description).joined(separator: "\n"))
                }
                selected = try RetryPlanner.chunks(
                    toRetry: result.plan, records: try journal.records(), export: retry.export, chunk: retry.chunk,
                    specPath: specPath)
            } catch {
                try? await shutdown(transport, simulator, coordinator)
                FileHandle.standardError.write(Data("error: \(error)\n".utf8))
                let badInput =
                    (error as? RunReportingError)?.isSelectionProblem == true || error is RetrySelectionFailed
                throw ExitCode(badInput ? ExitCodes.specErrors : ExitCodes.failed)
            }
            if selected?.isEmpty == true {
                try? await shutdown(transport, simulator, coordinator)
                let scope = retry.export.map { " in export \($0)" } ?? ""
                FileHandle.standardError.write(Data("no chunk failed for good\(scope): nothing to retry\n".utf8))
                return
            }
            FileHandle.standardError.write(
                Data("retrying \(selected!.count) chunk(s) that failed for good; verified chunks are kept\n".utf8))
        }

        let metricsPath =
            options.metricsFile ?? pipeline.run.metricsFile.map { PipelineRun.resolve($0, against: baseDirectory) }
        let observer = RunObserver(
            RunObserver.Setup(
                pipeline: pipeline.name, command: retry == nil ? "run" : "retry", specPath: specPath,
                journalPath: journalPath,
                outputDirectory: PipelineRun.resolve(pipeline.output.dir, against: baseDirectory),
                metricsPath: metricsPath, users: settings.users.map(\.username),
                outstandingPerUser: pipeline.run.outstandingPerUser, timeScale: scale))
        let renderer = RendererBox()
        let style = options.progress.style
        let only = selected
        let task = Task {
            try await run.execute(
                only: only.map { Set($0.map(\.id)) },
                events: { event in
                    observer.handle(event)
                    renderer.renderer?.handle(event)
                },
                planned: { plan in
                    observer.planned(plan, only: only)
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
            _ = observer.finish(execution: nil, interrupted: false)
            FileHandle.standardError.write(Data("\(failed)\n".utf8))
            try? await shutdown(transport, simulator, coordinator)
            throw ExitCode(ExitCodes.specErrors)
        } catch {
            _ = observer.finish(execution: nil, interrupted: task.isCancelled)
            FileHandle.standardError.write(Data("error: \(error)\n".utf8))
            try? await shutdown(transport, simulator, coordinator)
            throw ExitCode(task.isCancelled ? ExitCodes.interrupted : ExitCodes.failed)
        }
        renderer.renderer?.finish(summary: outcome.summary)
        let interrupted = outcome.summary.interrupted || task.isCancelled
        let summary = observer.finish(execution: outcome.summary, interrupted: interrupted)
        try? await shutdown(transport, simulator, coordinator)
        if options.progress == .json, let summary {
            FileHandle.standardOutput.write(Data((summary.jsonLine() + "\n").utf8))
        }
        for warning in observer.warnings {
            FileHandle.standardError.write(Data("warning: \(warning)\n".utf8))
        }

        if outcome.summary.deadlineReached {
            FileHandle.standardError.write(
                Data(
                    ("run.deadline passed: nothing new was submitted; the journal keeps every job in flight. Run the "
                        + "same command again to go on\n").utf8))
            throw ExitCode(ExitCodes.deadline)
        }
        if interrupted {
            FileHandle.standardError.write(
                Data("interrupted: the journal is saved; run the same command again to resume\n".utf8))
            throw ExitCode(ExitCodes.interrupted)
        }
        var lines = outcome.merged.map { "wrote \($0.file): \($0.rows) rows, \($0.bytes) bytes, sha256 \($0.sha256)" }
        if !outcome.merged.isEmpty { lines.append("manifest: \(outcome.manifestPath)") }
        for name in outcome.incomplete {
            lines.append(
                "not merged: \(name) has chunks that failed for good (its previous output is untouched); "
                    + "`exportpipe retry \(specPath) --export \(name)` runs them again")
        }
        let outputDirectory = PipelineRun.resolve(pipeline.output.dir, against: baseDirectory)
        lines.append("report: \(outputDirectory)/\(RunReport.fileName)")
        if let metricsPath { lines.append("metrics: \(metricsPath)") }
        if options.progress != .json {
            FileHandle.standardError.write(Data((lines.joined(separator: "\n") + "\n").utf8))
        }
        let failed = !outcome.summary.failed.isEmpty || !outcome.incomplete.isEmpty || summary?.status == "failed"
        if failed { throw ExitCode(ExitCodes.failed) }
    }

    /// Takes the state directory's lock, waiting for the run that holds it unless `--no-wait`.
    private func holdStateDirectory(_ stateDirectory: String, pipeline: String) async throws -> StateDirectoryLock {
        do {
            return try await StateDirectoryLock.acquire(
                StateDirectory(stateDirectory),
                as: .current(pipeline: pipeline, command: retry == nil ? "run" : "retry"),
                wait: !options.noWait,
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
    }

    /// `--no-resume`: forget earlier runs, removing only the files exportpipe wrote, each by name.
    private func startOver(_ stateDirectory: String) throws {
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

    private func shutdown(
        _ transport: AsyncHTTPClientTransport, _ simulator: RunningSimulator?, _ coordinator: TableCoordinator
    ) async throws {
        await coordinator.close()
        try await transport.shutdown()
        try await simulator?.shutdown()
    }
}

/// The plan `retry` needs has errors (printed as diagnostics).
private struct RetrySelectionFailed: Error, CustomStringConvertible {
    var description: String
}

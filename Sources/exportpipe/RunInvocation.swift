import AnalyticsSimulator
import ArgumentParser
import ExportBasics
import ExportDataset
import ExportExecutor
import ExportPlanner
import ExportRun
import Foundation
import RunReporting

/// One `run` or `retry` from the command line: maps the options to a `RunRequest`, runs the pipeline through the
/// one composition (`PipelineRun`) with the terminal's progress display and the summary/report writer watching,
/// and turns its outcome into what the operator reads and the exit status.
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
    /// `run --refresh`: partitions exported again on purpose.
    var refresh: RefreshRange?
    /// `run --verify`: every partition file read and hashed against the manifest.
    var verify = false

    func perform() async throws {
        let instant = NowOption.resolve(options.now)
        let loaded = try LoadedPipeline.load(specPath, now: instant, printWarnings: true)
        let request = request(now: instant)
        let reporting = reportingObserver(loaded, clock: request.clock)
        let run = PipelineRun(
            spec: loaded.spec, specPath: specPath, request: request,
            toolVersion: ExportPipeVersion.current,
            observers: [reporting, TerminalObserver(style: options.progress.style, reporting: reporting)])
        let task = Task { await run.run() }
        let signals = InterruptHandler { task.cancel() }
        let outcome = await task.value
        signals.stop()
        report(outcome, loaded: loaded, summary: reporting.summary)
        if outcome.exitCode != RunExitCode.success { throw ExitCode(outcome.exitCode) }
    }

    private func request(now: Date) -> RunRequest {
        var request = RunRequest(now: now)
        if let retry { request.command = .retry(export: retry.export, chunk: retry.chunk) }
        request.startOver = noResume
        request.waitForStateDirectory = !options.noWait
        request.timeScale = options.timeScale
        request.simulatorSeed = options.simulatorSeed
        // Validated by RunOptions.validate().
        request.simulatorFaults = options.simulatorFaults.flatMap { try? FaultConfiguration(parsing: $0) } ?? .none
        request.coordination = .setting(flag: options.coordinator)
        request.stopReason = { TerminalOutput.shared.closedPipe ? .outputClosed : .interrupted }
        request.refresh = refresh
        request.verifyDataset = verify
        return request
    }

    /// The summary/metrics/report writer.
    private func reportingObserver(_ loaded: LoadedPipeline, clock: @escaping @Sendable () -> Double) -> RunObserver {
        let spec = loaded.spec
        return RunObserver(
            RunObserver.Setup(
                pipeline: spec.name, command: retry == nil ? "run" : "retry", specPath: specPath,
                journalPath: loaded.journalPath, outputDirectory: loaded.outputDirectory,
                metricsPath: metricsPath(loaded), users: spec.api.users.map(\.username.raw),
                outstandingPerUser: spec.run.outstandingPerUser,
                timeScale: options.timeScale ?? (spec.api.usesSimulator ? 2_000 : 1), clock: clock))
    }

    private func metricsPath(_ loaded: LoadedPipeline) -> String? {
        options.metricsFile
            ?? loaded.spec.run.metricsFile.map { PipelineRun.resolve($0, against: loaded.baseDirectory) }
    }

    /// What the operator reads at the end: what was written, what was not and why, and what to do.
    private func report(_ outcome: RunOutcome, loaded: LoadedPipeline, summary: RunSummary?) {
        var lines = Self.exportedAgain(outcome.exportedAgain)
        switch outcome.status {
        case .busy:
            lines.append("error: \(outcome.error ?? "the state directory is busy"). \(outcome.advice ?? "")")
        case .specErrors, .refusedCredentials:
            lines.append("error: \(outcome.error ?? outcome.status.rawValue)")
            if let advice = outcome.advice { lines.append(advice) }
        case .deadline:
            lines.append("\(outcome.error ?? "run.deadline passed"). Run the same command again to go on")
        case .interrupted, .outputClosed:
            lines.append(
                noResume
                    ? "interrupted: the journal of this fresh start is saved; run again without --no-resume to go on "
                        + "from it"
                    : "interrupted: the journal is saved; run the same command again to resume")
        case .complete, .failed, .loadFailed:
            lines += outcome.written.flatMap { record in
                record.files.map { "wrote \($0.file): \($0.rows) rows, \($0.bytes) bytes, sha256 \($0.sha256)" }
            }
            if !outcome.written.isEmpty, let manifest = outcome.manifestPath { lines.append("manifest: \(manifest)") }
            for name in outcome.incomplete {
                lines.append(
                    "not written: \(name) has chunks that failed for good (its previous output is untouched); "
                        + "`exportpipe retry \(specPath) --export \(name)` runs them again")
            }
            if let loads = outcome.loads { lines.append(loads.line) }
            if outcome.status == .failed, outcome.incomplete.isEmpty, let error = outcome.error {
                lines.append("error: \(error)")
            }
            if outcome.status == .loadFailed {
                lines.append("error: \(outcome.error ?? "partitions could not be loaded")")
                if let advice = outcome.advice { lines.append(advice) }
            }
            if outcome.status == .complete, outcome.plan == nil || outcome.execution == nil, let advice = outcome.advice
            {
                lines.append(advice)
            }
        }
        if outcome.status != .busy {
            lines.append("report: \(loaded.outputDirectory)/\(RunReport.fileName)")
            if let path = metricsPath(loaded) { lines.append("metrics: \(path)") }
        }
        if options.progress == .json, let summary {
            TerminalOutput.shared.write(summary.jsonLine() + "\n", to: .output)
        }
        for warning in outcome.warnings {
            TerminalOutput.shared.write("warning: \(warning)\n")
        }
        if options.progress != .json || outcome.exitCode != 0 {
            TerminalOutput.shared.write(lines.joined(separator: "\n") + "\n")
        }
    }
}

extension RunInvocation {
    /// The windows an earlier run had verified that this run exported again, and why: from the outcome, as
    /// `run-summary.json`'s `exportedAgain` (which lists every one; the terminal shows the first `limit`).
    static func exportedAgain(_ again: [ExportedAgain], limit: Int = 20) -> [String] {
        guard !again.isEmpty else { return [] }
        var lines = [
            "exported again: \(again.count) window(s) an earlier run had verified (run.settle: a window is final only "
                + "once it ended that long before it was exported; until then late data may change it)"
        ]
        for entry in again.prefix(limit) {
            lines.append(
                "  \(entry.exportName) \(InstantFormat.utc(entry.window.start)) – \(InstantFormat.utc(entry.window.end)) "
                    + "(chunk \(entry.chunk)): \(entry.reason)")
        }
        if again.count > limit {
            lines.append("  … and \(again.count - limit) more: run-summary.json lists every one")
        }
        return lines
    }
}

/// The terminal's view of a run: the progress renderer, made once the plan is known.
final class TerminalObserver: RunObserving, @unchecked Sendable {
    private let lock = NSLock()
    private var renderer: ProgressRenderer?
    private let style: ProgressRenderer.Style
    private let reporting: RunObserver

    init(style: ProgressRenderer.Style, reporting: RunObserver) {
        self.style = style
        self.reporting = reporting
    }

    func planned(_ plan: Plan, only: [ChunkRecord]?) {
        // Chunks the plan kept from earlier runs count as done from the start.
        var reused: [String: (chunks: Int, rows: Int64)] = [:]
        var keptIds = Set<String>()
        for export in plan.exports {
            let kept = export.chunks.filter { $0.reasons.last == .keptFromEarlierRun }
            if !kept.isEmpty { reused[export.name] = (kept.count, Int64(kept.reduce(0) { $0 + $1.expectedRows })) }
            keptIds.formUnion(kept.map(\.id))
        }
        let made = ProgressRenderer(
            style: style, totals: plan.exports.map { ($0.name, $0.chunks.count) }, reused: reused, kept: keptIds)
        lock.withLock { renderer = made }
    }

    func handle(_ event: ProgressEvent) {
        if let renderer = lock.withLock({ renderer }) {
            renderer.handle(event)
        } else if event.kind == .warning, let message = event.message {
            // Before the plan (the in-process simulator starting, a run waiting for the state directory).
            TerminalOutput.shared.write("\(message)\n")
        }
    }

    func finished(_ outcome: RunOutcome) {
        if let execution = outcome.execution { lock.withLock { renderer }?.finish(summary: execution) }
        for warning in reporting.warnings {
            TerminalOutput.shared.write("warning: \(warning)\n")
        }
    }
}

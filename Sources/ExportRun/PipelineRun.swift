import AnalyticsAPI
import AnalyticsClient
import CSVMerge
import ExportExecutor
import ExportPlanner
import ExportSpec
import Foundation
import Logging

/// One `exportpipe run` or `retry`, composed once (ARCHITECTURE.md): spec + request → state directory →
/// settings → API and coordinator → journal → window source → plan → execute → output → the run's outcome. The
/// command line and the tests both run pipelines through it; observers (the progress display, the summary and
/// report writer, a test's event log) watch it.
public struct PipelineRun: Sendable {
    public let spec: PipelineSpec
    /// The spec file (messages and the report name it); relative paths of the spec resolve against its folder.
    public let specPath: String
    public let request: RunRequest
    public let toolVersion: String
    let observers: [any RunObserving]
    let logger: Logger

    public init(
        spec: PipelineSpec, specPath: String, request: RunRequest, toolVersion: String,
        observers: [any RunObserving] = [], logger: Logger = Logger(label: "exportpipe.run")
    ) {
        self.spec = spec
        self.specPath = specPath
        self.request = request
        self.toolVersion = toolVersion
        self.observers = observers
        self.logger = logger
    }

    /// The spec's folder.
    public var baseDirectory: String { Self.baseDirectory(ofSpec: specPath) }
    public var stateDirectory: StateDirectory { StateDirectory(resolve(spec.output.stateDir)) }
    public var outputDirectory: String { resolve(spec.output.dir) }

    /// What the run writes (the output seam): chosen here, from the spec, and nowhere else.
    public var output: any RunOutput {
        Self.output(
            of: spec, baseDirectory: baseDirectory, now: request.now, settleSeconds: settleSeconds,
            toolVersion: toolVersion)
    }

    /// The output `spec` names (`output.layout`), at `output.dir` resolved against `baseDirectory`.
    public static func output(
        of spec: PipelineSpec, baseDirectory: String, now: Date, settleSeconds: Double, toolVersion: String
    ) -> any RunOutput {
        let directory = resolve(spec.output.dir, against: baseDirectory)
        let state = StateDirectory(resolve(spec.output.stateDir, against: baseDirectory))
        switch spec.output.layout {
        case .merged:
            return MergedOutput(
                directory: directory, stateDirectory: state, toolVersion: toolVersion, specHash: spec.sourceHash)
        case .partitioned:
            return PartitionedOutput(
                directory: directory, grain: spec.output.partition, compression: spec.output.compression,
                stateDirectory: state, toolVersion: toolVersion, now: now, settleSeconds: settleSeconds)
        }
    }

    /// Runs the pipeline to its end, whatever ends it: every path returns an outcome (and, once the state
    /// directory is held, tells the observers).
    public func run() async -> RunOutcome {
        var outcome = RunOutcome(
            status: .failed, command: request.command.name, pipeline: spec.name, startedAt: Date(),
            finishedAt: Date(), outputDirectory: outputDirectory, manifestPath: output.manifestPath,
            journalPath: stateDirectory.journalPath, timeScale: request.timeScale ?? 1)
        let lock: StateDirectoryLock
        do {
            lock = try await StateDirectoryLock.acquire(
                stateDirectory, as: .current(pipeline: spec.name, command: request.command.name),
                wait: request.waitForStateDirectory,
                waiting: { busy in
                    self.notify(
                        ProgressEvent(.warning, message: "\(busy); waiting for it to finish (--no-wait exits instead)"))
                })
        } catch let busy as StateDirectoryLock.Busy {
            outcome.status = .busy
            outcome.error = "\(busy)"
            outcome.advice =
                "Nothing was changed; run again when it has finished, or give this run its own output.state_dir."
            outcome.finishedAt = Date()
            return outcome
        } catch is CancellationError {
            outcome.status = .interrupted
            outcome.error = "interrupted while waiting for the state directory"
            outcome.finishedAt = Date()
            return outcome
        } catch {
            outcome.status = .failed
            outcome.error = "\(error)"
            outcome.finishedAt = Date()
            return outcome
        }
        defer { lock.release() }
        await perform(&outcome)
        if outcome.status == .interrupted {
            outcome.status = request.stopReason()
            outcome.error =
                outcome.status == .outputClosed
                ? "standard output or standard error was closed: the run stopped as on Ctrl-C, the journal is saved"
                : "interrupted: the run stopped before it finished, the journal is saved"
            outcome.advice = outcome.advice ?? "`exportpipe run \(specPath)` goes on from the journal"
        }
        if let plan = outcome.plan {
            // What the output holds of the exports this run did not write (it knows those it wrote).
            let written = Set(outcome.written.map(\.exportName))
            outcome.outputs = output.current(plan.exports.map(\.name).filter { !written.contains($0) })
            for record in outcome.written { outcome.outputs[record.exportName] = record }
            countPartitions(&outcome.outputs, plan: plan)
        }
        outcome.finishedAt = Date()
        for observer in observers { observer.finished(outcome) }
        return outcome
    }

    /// A spec path (`output.dir`, `output.state_dir`, `password_file`) as used: absolute paths as written,
    /// relative ones against the spec's folder.
    public static func resolve(_ path: String, against baseDirectory: String) -> String {
        path.hasPrefix("/") ? path : baseDirectory + "/" + path
    }

    /// The folder relative paths of the spec at `specPath` resolve against.
    public static func baseDirectory(ofSpec specPath: String) -> String {
        URL(fileURLWithPath: specPath).deletingLastPathComponent().path
    }

    func resolve(_ path: String) -> String { Self.resolve(path, against: baseDirectory) }

    func notify(_ event: ProgressEvent) {
        for observer in observers { observer.handle(event) }
    }
}

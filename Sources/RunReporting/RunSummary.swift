import CSVMerge
import ExportBasics
import ExportExecutor
import ExportPlanner
import ExportRun
import Foundation

/// The machine-readable end of a run: the last line of `--progress json` and `<output.dir>/run-summary.json`.
/// Its fields are described by `docs/run-summary.schema.json`.
public struct RunSummary: Sendable, Hashable, Codable {
    /// A chunk that failed for good.
    public struct FailedChunk: Sendable, Hashable, Codable {
        public var id: String
        /// ISO 8601, UTC; the end is exclusive.
        public var windowStart: String
        public var windowEnd: String
        public var attempts: Int
        /// The last error, redacted.
        public var lastError: String
    }

    /// The merged output of an export.
    public struct Output: Sendable, Hashable, Codable {
        /// As written in manifest.json: relative to the output folder.
        public var file: String
        public var rows: Int
        public var bytes: Int64
        public var sha256: String

        /// The output of an export that is one file; nil for an output of several files (or none).
        init?(_ record: OutputRecord) {
            guard record.files.count == 1, let file = record.files.first else { return nil }
            self.file = file.file
            rows = file.rows
            bytes = file.bytes
            sha256 = file.sha256
        }
    }

    public struct Export: Sendable, Hashable, Codable {
        public var name: String
        /// Chunks that stand for the export now (the plan's chunks, with split ones replaced by their halves).
        public var chunks: Int
        public var verified: Int
        /// Verified by an earlier run and kept.
        public var reused: Int
        public var failed: Int
        /// Neither verified nor failed: the run was interrupted, or it ran only some chunks (`retry --chunk`).
        public var unfinished: Int
        /// Rows and bytes of the verified chunk files.
        public var rows: Int64
        public var bytes: Int64
        /// The merged file, when every chunk is verified (this run wrote it, or an earlier one did).
        public var output: Output?
        /// A partitioned dataset's partitions written by this run and kept as they were; absent otherwise.
        public var partitions: PartitionCounts?
        /// What loading its partitions into PostgreSQL did (`output.load`); absent otherwise.
        public var loads: LoadReport.Counts?
        public var failedChunks: [FailedChunk]
    }

    /// What loading the dataset into PostgreSQL did (`output.load`).
    public struct Loads: Sendable, Hashable, Codable {
        /// `postgres://user@host:port/db?schema=…`: never a password.
        public var destination: String
        public var loaded: Int
        public var skippedUnchanged: Int
        public var failed: Int
        /// Rows of the partitions loaded.
        public var rows: Int
        /// Why the database could not be reached, when it could not.
        public var unreachable: String?
        public var failures: [LoadReport.Failure]

        init(_ report: LoadReport) {
            let totals = report.totals
            destination = report.destination
            loaded = totals.loaded
            skippedUnchanged = totals.skippedUnchanged
            failed = totals.failed
            rows = totals.rows
            unreachable = report.unreachable
            failures = report.failures
        }
    }

    public struct Totals: Sendable, Hashable, Codable {
        public var chunks: Int
        public var verified: Int
        public var reused: Int
        public var failed: Int
        public var rows: Int64
        public var bytes: Int64
        /// Submit requests sent in this run (accepted or not).
        public var submissions: Int
        /// Queue rejections absorbed (another user's load), resubmitted later.
        public var rejections: Int
        public var statusRequests: Int
        /// Tries that failed and were tried again.
        public var retries: Int
        public var splits: Int
        /// Jobs abandoned because their status did not change for `stuck_after`.
        public var stuck: Int
        /// Real seconds from the start of the run to its end.
        public var wallSeconds: Double
        /// API seconds per real second (1 against the real API; the simulator runs faster).
        public var timeScale: Double
        /// The plan's lower bound for the chunks this run had to do, in real seconds.
        public var lowerBoundSeconds: Double
        /// `lowerBoundSeconds ÷ wallSeconds`: 1 would be a perfect schedule with no waiting; nil when nothing ran.
        public var achievedShare: Double?
    }

    /// Always `summary`, so the object can be told from progress events on the same stream.
    public var kind = "summary"
    public var pipeline: String
    /// `run` or `retry`.
    public var command: String
    /// How the run ended: `complete` (every export written), `failed`, `load_failed`, `refused_credentials`,
    /// `deadline`,
    /// `interrupted` or `spec_errors` (`RunOutcome.Status`).
    public var status: String
    /// The exit status the command ends with.
    public var exitCode: Int
    /// What went wrong (redacted), when the run is not complete.
    public var error: String?
    /// What to do next.
    public var advice: String?
    /// ISO 8601, UTC.
    public var startedAt: String
    public var finishedAt: String
    public var exports: [Export]
    public var totals: Totals
    /// Windows an earlier run had verified that this run exported again, and why.
    public var exportedAgain: [ExportedAgainEntry]?
    /// The load into PostgreSQL (`output.load`), when the run got to it.
    public var loads: Loads?

    /// A window exported again.
    public struct ExportedAgainEntry: Sendable, Hashable, Codable {
        public var export: String
        public var chunk: String
        /// ISO 8601, UTC; the end is exclusive.
        public var windowStart: String
        public var windowEnd: String
        public var reason: String
    }

    /// What the summary is made from: the run's outcome, and what the journal holds after it.
    public struct Inputs: Sendable {
        public var outcome: RunOutcome
        /// The journal's chunks after the run.
        public var records: [ChunkRecord]
        /// Chunks verified during this run (from its events); other verified chunks were reused.
        public var verifiedThisRun: Set<String>
        /// API seconds.
        public var lowerBoundApiSeconds: Double

        public init(
            outcome: RunOutcome, records: [ChunkRecord], verifiedThisRun: Set<String>, lowerBoundApiSeconds: Double
        ) {
            self.outcome = outcome
            self.records = records
            self.verifiedThisRun = verifiedThisRun
            self.lowerBoundApiSeconds = lowerBoundApiSeconds
        }
    }

    public init(_ inputs: Inputs) {
        let outcome = inputs.outcome
        pipeline = outcome.pipeline
        command = outcome.command
        startedAt = Self.iso(outcome.startedAt)
        finishedAt = Self.iso(outcome.finishedAt)
        status = outcome.status.rawValue
        exitCode = Int(outcome.exitCode)
        error = outcome.error
        advice = outcome.advice
        exports = (outcome.plan?.exports ?? []).map { export in
            let leaves = PipelineRun.leaves(of: export.chunks.map(\.id), in: inputs.records)
            let verified = leaves.filter { $0.state == .verified }
            let failed = leaves.filter { $0.state == .failed }
            let complete = !leaves.isEmpty && verified.count == leaves.count
            return Export(
                name: export.name, chunks: leaves.count, verified: verified.count,
                reused: verified.filter { !inputs.verifiedThisRun.contains($0.id) }.count, failed: failed.count,
                unfinished: leaves.count - verified.count - failed.count,
                rows: verified.reduce(0) { $0 + ($1.rows ?? 0) }, bytes: verified.reduce(0) { $0 + ($1.bytes ?? 0) },
                output: complete ? outcome.outputs[export.name].flatMap(Output.init) : nil,
                partitions: outcome.outputs[export.name]?.partitions,
                loads: outcome.loads.map { $0.exports[export.name] ?? LoadReport.Counts() },
                failedChunks: failed.map {
                    FailedChunk(
                        id: $0.id, windowStart: Self.iso(milliseconds: $0.windowStart),
                        windowEnd: Self.iso(milliseconds: $0.windowEnd), attempts: $0.attempts,
                        lastError: $0.lastError ?? "no error was recorded")
                })
        }
        let wall = max(0, outcome.finishedAt.timeIntervalSince(outcome.startedAt))
        let scale = outcome.timeScale > 0 ? outcome.timeScale : 1
        let bound = inputs.lowerBoundApiSeconds / scale
        let e = outcome.execution ?? ExecutionSummary()
        // The bound is the plan's for the chunks this run had to do: a share only means something for a run that
        // did them all.
        let finished = outcome.status == .complete || outcome.status == .failed || outcome.status == .loadFailed
        totals = Totals(
            chunks: exports.reduce(0) { $0 + $1.chunks }, verified: exports.reduce(0) { $0 + $1.verified },
            reused: exports.reduce(0) { $0 + $1.reused }, failed: exports.reduce(0) { $0 + $1.failed },
            rows: exports.reduce(0) { $0 + $1.rows }, bytes: exports.reduce(0) { $0 + $1.bytes },
            submissions: e.submissions, rejections: e.rejections, statusRequests: e.statusRequests,
            retries: e.retries, splits: e.splits, stuck: e.stuck, wallSeconds: Self.rounded(wall), timeScale: scale,
            lowerBoundSeconds: Self.rounded(bound),
            achievedShare: finished && wall > 0 && bound > 0 ? Self.rounded(min(1, bound / wall)) : nil)
        let again = outcome.exportedAgain.map {
            ExportedAgainEntry(
                export: $0.exportName, chunk: $0.chunk, windowStart: Self.iso(milliseconds: $0.window.start),
                windowEnd: Self.iso(milliseconds: $0.window.end), reason: $0.reason)
        }
        exportedAgain = again.isEmpty ? nil : again
        loads = outcome.loads.map(Loads.init)
    }

    /// One line of JSON (sorted keys), as `--progress json` prints it.
    public func jsonLine() -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return (try? encoder.encode(self)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
    }

    /// Writes `run-summary.json` (pretty, sorted keys) atomically.
    /// - Throws: `RunReportingError.write`.
    public func write(to path: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        let data: Data
        do { data = try encoder.encode(self) } catch { throw RunReportingError.write(path, "\(error)") }
        try AtomicFile.write(data + Data("\n".utf8), to: path)
    }

    /// The file name beside the outputs.
    public static let fileName = "run-summary.json"

    static func rounded(_ value: Double) -> Double { (value * 1000).rounded() / 1000 }

    static func iso(_ date: Date) -> String { InstantFormat.utc(date) }

    static func iso(milliseconds: Int64) -> String { InstantFormat.utc(milliseconds) }
}

import Foundation

/// What loading a dataset into PostgreSQL did (`output.load`, during a run or by `exportpipe load`): per export,
/// the partitions loaded, skipped because their SHA-256 was already recorded, and failed, with each failure's
/// message (partition, column, line, value, what to do). Never holds a password.
public struct LoadReport: Sendable, Hashable, Codable {
    /// One export's partitions, by what their load did.
    public struct Counts: Sendable, Hashable, Codable {
        /// Partitions whose rows were replaced by their file's.
        public var loaded: Int = 0
        /// Partitions already loaded with the same SHA-256: nothing written.
        public var skippedUnchanged: Int = 0
        /// Partitions whose load failed (the table keeps their previous rows).
        public var failed: Int = 0
        /// Rows the loaded partitions hold.
        public var rows: Int = 0

        public init(loaded: Int = 0, skippedUnchanged: Int = 0, failed: Int = 0, rows: Int = 0) {
            self.loaded = loaded
            self.skippedUnchanged = skippedUnchanged
            self.failed = failed
            self.rows = rows
        }

        static func + (lhs: Counts, rhs: Counts) -> Counts {
            Counts(
                loaded: lhs.loaded + rhs.loaded, skippedUnchanged: lhs.skippedUnchanged + rhs.skippedUnchanged,
                failed: lhs.failed + rhs.failed, rows: lhs.rows + rhs.rows)
        }
    }

    /// A partition that was not loaded, and why.
    public struct Failure: Sendable, Hashable, Codable {
        public var export: String
        /// `2026-03-04` (or `2026-03` for a monthly dataset).
        public var partition: String
        /// What went wrong and what to do (redacted).
        public var message: String

        public init(export: String, partition: String, message: String) {
            self.export = export
            self.partition = partition
            self.message = message
        }
    }

    /// The destination as it may be printed (`postgres://user@host:port/db?schema=…`, never a password).
    public var destination: String
    /// By export name.
    public var exports: [String: Counts]
    /// In the order they happened.
    public var failures: [Failure]
    /// Why the database could not be reached or prepared, when it could not (nothing was loaded then).
    public var unreachable: String?

    public init(destination: String, exports: [String: Counts] = [:], failures: [Failure] = []) {
        self.destination = destination
        self.exports = exports
        self.failures = failures
    }

    /// Whether any partition failed to load, or the database could not be reached.
    public var hasFailures: Bool { !failures.isEmpty || unreachable != nil }

    /// Every export's counts added up.
    public var totals: Counts { exports.values.reduce(Counts(), +) }

    /// The command that loads the failed partitions again once the cause is fixed: narrowed to the one partition
    /// when only one failed, to the one export when only one export did.
    public func retryCommand(specPath: String) -> String {
        var command = "exportpipe load \(specPath)"
        let exports = Set(failures.map(\.export))
        if exports.count == 1, let export = exports.first {
            command += " --export \(export)"
            if failures.count == 1, let only = failures.first { command += " --partition \(only.partition)" }
        }
        return command
    }

    /// `loads: 12 partitions loaded (40,000 rows), 30 unchanged, 1 failed`.
    public var line: String {
        let totals = totals
        return "load into \(destination): \(totals.loaded) partition(s) loaded (\(totals.rows) rows), "
            + "\(totals.skippedUnchanged) unchanged, \(totals.failed) failed"
    }
}

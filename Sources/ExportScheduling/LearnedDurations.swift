/// How long jobs really took, per export, relative to what the cost model expected: learned from the journal
/// (earlier runs) and from every job this run sees closed.
///
/// The expected seconds of a job is the cost model's estimate × the export's learned ratio (observed ÷
/// estimated seconds, over every job seen closed), bounded to [0.05, 20] so one odd job cannot make it absurd.
/// Poll schedules, holds for unknown outcomes and overrun detection all use it.
public struct LearnedDurations: Sendable, Hashable {
    public struct Sample: Sendable, Hashable, Codable {
        /// Rows the jobs returned, and API seconds they took from submit to CLOSED.
        public var rows: Int64
        public var seconds: Double
        /// What the cost model had expected for them.
        public var expectedSeconds: Double
        public var jobs: Int

        public init(rows: Int64 = 0, seconds: Double = 0, expectedSeconds: Double = 0, jobs: Int = 0) {
            self.rows = rows
            self.seconds = seconds
            self.expectedSeconds = expectedSeconds
            self.jobs = jobs
        }

        /// Observed ÷ expected seconds; nil before any job.
        public var ratio: Double? {
            guard jobs > 0, expectedSeconds > 0, seconds > 0 else { return nil }
            return min(20, max(0.05, seconds / expectedSeconds))
        }

        /// API seconds per 1,000 rows returned.
        public var secondsPer1000Rows: Double? { rows > 0 ? seconds * 1000 / Double(rows) : nil }
    }

    public private(set) var samples: [String: Sample]

    public init(_ samples: [String: Sample] = [:]) { self.samples = samples }

    /// A job of `export` expected to take `estimate` seconds took `seconds`.
    public mutating func observe(export: String, estimate: Double, seconds: Double, rows: Int64 = 0) {
        guard seconds > 0, estimate > 0 else { return }
        var sample = samples[export] ?? Sample()
        sample.seconds += seconds
        sample.expectedSeconds += estimate
        sample.rows += rows
        sample.jobs += 1
        samples[export] = sample
    }

    /// The seconds a job of `export` estimated at `estimate` is expected to take.
    public func expected(export: String, estimate: Double) -> Double {
        estimate * (samples[export]?.ratio ?? 1)
    }
}

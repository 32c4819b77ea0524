#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// How long jobs really took, per export, relative to what the cost model expected: learned from the journal
/// (earlier runs) and from every job this run sees closed.
///
/// The expected seconds of a job is the cost model's estimate × the export's learned ratio (observed ÷
/// estimated seconds, over every job seen closed), bounded to [0.05, 20] so one odd job cannot make it absurd.
/// An export with no job seen yet takes the ratio of every export's jobs together: the cost model's constants are
/// not measured on the real service, so its first error is common to all exports. How far an export's jobs stray
/// from their estimates (the spread of log(observed ÷ expected)) says how much the estimate can be trusted.
/// Poll schedules, holds for unknown outcomes and overrun detection all use it, and so does the plan: each
/// export's `Sample` is what `exportpipe plan` shows and its estimate uses (`PlannedExport.learnedDuration`).
public struct LearnedDurations: Sendable, Hashable {
    public struct Sample: Sendable, Hashable, Codable {
        /// Rows the jobs returned, and API seconds they took from submit to CLOSED.
        public var rows: Int64
        public var seconds: Double
        /// What the cost model had expected for them.
        public var expectedSeconds: Double
        public var jobs: Int
        /// Σ log(seconds ÷ expected) and Σ of its squares over `spreadJobs` jobs (journals from before the
        /// spread was kept have sums but no spread).
        public var logRatioSum: Double
        public var logRatioSquares: Double
        public var spreadJobs: Int
        /// Σ seconds from submit to the answer that showed CLOSED: longer than each job, never shorter, so a hold
        /// for a job that may still run is never cut short by learning (journals from before it: `seconds`).
        public var closedSeconds: Double

        public init(
            rows: Int64 = 0, seconds: Double = 0, expectedSeconds: Double = 0, jobs: Int = 0,
            logRatioSum: Double = 0, logRatioSquares: Double = 0, spreadJobs: Int = 0, closedSeconds: Double? = nil
        ) {
            self.closedSeconds = closedSeconds ?? seconds
            self.rows = rows
            self.seconds = seconds
            self.expectedSeconds = expectedSeconds
            self.jobs = jobs
            self.logRatioSum = logRatioSum
            self.logRatioSquares = logRatioSquares
            self.spreadJobs = spreadJobs
        }

        /// Observed ÷ expected seconds; nil before any job.
        public var ratio: Double? {
            guard jobs > 0, expectedSeconds > 0, seconds > 0 else { return nil }
            return min(20, max(0.05, seconds / expectedSeconds))
        }

        /// The standard deviation of log(observed ÷ expected), shrunk towards `priorSpread` as if the prior were
        /// `priorWeight` jobs: two or three jobs that happened to agree say little about the next (measured: with
        /// the raw figure, a spread of 0.06 from two jobs made the schedule skip the 15% early end of the third).
        /// Nil for a journal from before the spread was kept.
        public var spread: Double? {
            guard spreadJobs >= 1 else { return nil }
            let n = Double(spreadJobs)
            let mean = logRatioSum / n
            let variance = n >= 2 ? max(0, logRatioSquares / n - mean * mean) : 0
            let prior = LearnedDurations.priorSpread
            return ((n * variance + LearnedDurations.priorWeight * prior * prior) / (n + LearnedDurations.priorWeight))
                .squareRoot()
        }

        /// Seconds until CLOSED was seen ÷ expected: an upper bound on the ratio, for holds.
        public var holdRatio: Double? {
            guard jobs > 0, expectedSeconds > 0, closedSeconds > 0 else { return nil }
            return min(20, max(0.05, closedSeconds / expectedSeconds))
        }

        /// The ratio rounded to thousandths, as the plan shows and writes it (1 before any job).
        public var shownRatio: Double { ((ratio ?? 1) * 1000).rounded() / 1000 }

        /// API seconds per 1,000 rows returned.
        public var secondsPer1000Rows: Double? { rows > 0 ? seconds * 1000 / Double(rows) : nil }

        mutating func add(estimate: Double, seconds: Double, closedSeconds: Double, rows: Int64) {
            self.seconds += seconds
            self.closedSeconds += max(seconds, closedSeconds)
            expectedSeconds += estimate
            self.rows += rows
            jobs += 1
            let logRatio = log(seconds / estimate)
            logRatioSum += logRatio
            logRatioSquares += logRatio * logRatio
            spreadJobs += 1
        }
    }

    /// The spread an export's jobs are assumed to have before many are seen, and how many jobs that assumption
    /// weighs (`Sample.spread`).
    public static let priorSpread = 0.2
    public static let priorWeight = 3.0

    public private(set) var samples: [String: Sample]
    /// Every export's jobs together.
    public private(set) var all: Sample

    public init(_ samples: [String: Sample] = [:]) {
        self.samples = samples
        var all = Sample()
        for sample in samples.values {
            all.rows += sample.rows
            all.seconds += sample.seconds
            all.expectedSeconds += sample.expectedSeconds
            all.jobs += sample.jobs
            all.closedSeconds += sample.closedSeconds
        }
        self.all = all
    }

    /// A job of `export` expected to take `estimate` seconds took `seconds`, and was seen CLOSED `closedSeconds`
    /// after its submit (`seconds` when not given).
    public mutating func observe(
        export: String, estimate: Double, seconds: Double, closedSeconds: Double? = nil, rows: Int64 = 0
    ) {
        guard seconds > 0, estimate > 0 else { return }
        let closed = closedSeconds ?? seconds
        samples[export, default: Sample()].add(estimate: estimate, seconds: seconds, closedSeconds: closed, rows: rows)
        all.add(estimate: estimate, seconds: seconds, closedSeconds: closed, rows: rows)
    }

    /// How long to hold the slot of a job of `export` estimated at `estimate` that may still run: from the
    /// submit-to-CLOSED-seen times, which no job outlived (the cost model's estimate when nothing is known).
    public func holdSeconds(export: String, estimate: Double) -> Double {
        estimate * (samples[export]?.holdRatio ?? all.holdRatio ?? 1)
    }

    /// What a job of `export` estimated at `estimate` is expected to take, and how much that can be trusted.
    public func belief(export: String, estimate: Double) -> DurationBelief {
        if let sample = samples[export], let ratio = sample.ratio {
            return DurationBelief(expected: estimate * ratio, spread: sample.spread ?? Self.priorSpread)
        }
        return DurationBelief(expected: estimate * (all.ratio ?? 1), spread: nil)
    }
}

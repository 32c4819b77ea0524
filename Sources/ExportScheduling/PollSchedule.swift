import AnalyticsAPI

/// When to ask for a job's status next, as a value.
///
/// Soon after submit (queue rejections show at once), then from the cost model's base seconds on at intervals
/// growing by `earlyGrowth` until just before the expected end, then often enough to notice completion within a
/// few percent of the job's length; far past the estimate it backs off towards `maximum`.
///
/// The early probes are there because an estimate can be far too high: a fanned-out chunk is priced at an equal
/// share of the export's volume, and a small team's share is a fraction of that. With them an early end is noticed
/// within ~25% of the job's length, at the price of about ln(0.9 × expected ÷ 20 s) ÷ ln 1.25 more status requests
/// (≈ 10 for a 3-minute job). Past 0.9 × the estimate the step is 2.5% of it. `expected` is the learned duration
/// when there is one (`LearnedDurations`), the cost model's otherwise.
public struct PollSchedule: Sendable, Hashable {
    public var minimum: Double
    public var maximum: Double
    public var earlyGrowth: Double

    public init(minimum: Double = 5, maximum: Double = 120, earlyGrowth: Double = 1.25) {
        self.minimum = minimum
        self.maximum = maximum
        self.earlyGrowth = earlyGrowth
    }

    /// Seconds after the job's start at which to poll next.
    /// - Parameters:
    ///   - polls: status requests made so far for this job.
    ///   - elapsed: seconds since the job's start.
    ///   - expected: the job's expected seconds.
    ///   - jitter: a factor near 1 (0.9…1.1), so jobs started together do not poll together.
    public func nextOffset(polls: Int, elapsed: Double, expected: Double, jitter: Double) -> Double {
        let nearEnd = expected * 0.9
        if polls == 0 { return max(minimum, elapsed) }
        if elapsed < nearEnd {
            let probe = max(CostModel.baseSeconds, elapsed * earlyGrowth, elapsed + minimum)
            return probe < nearEnd ? probe : max(nearEnd, elapsed + minimum)
        }
        var interval = min(max(expected * 0.025, minimum), maximum)
        if elapsed > expected * 2 {
            interval = min(maximum, interval * pow15(min(polls - 2, 10)))
        }
        return elapsed + interval * jitter
    }

    private func pow15(_ n: Int) -> Double {
        var result = 1.0
        for _ in 0..<max(0, n) { result *= 1.5 }
        return result
    }
}

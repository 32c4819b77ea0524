import AnalyticsAPI

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// What the run believes about how long one job takes: its expected seconds and how far real jobs of its export
/// stray from their estimates (`LearnedDurations.belief`).
public struct DurationBelief: Sendable, Hashable {
    /// The median seconds: the cost model's estimate × the learned ratio.
    public var expected: Double
    /// The standard deviation of log(real ÷ expected) among the export's jobs; nil when nothing is known about
    /// this export's jobs yet, so the estimate may be far off.
    public var spread: Double?

    public init(expected: Double, spread: Double? = nil) {
        self.expected = expected
        self.spread = spread
    }
}

/// When to ask for a job's status next, as a value.
///
/// Each status request is priced against slot time: a job's end noticed Δ seconds late wastes Δ seconds of a slot
/// the queue limits make scarce, and each request costs the API (and us) a round trip. Given a belief about when
/// the job ends — a density `f(t)` and a survival `S(t)` — the interval that minimises expected latency plus
/// `requestPrice` × expected seconds × expected requests is
///
///     Δ(t) = √(2 · requestPrice · expected · S(t) ÷ f(t))      (the square-root rule: Δ ∝ 1 ÷ √hazard)
///
/// so polls crowd where the end is likely and thin out where it is not, with one rule instead of phases. The
/// belief is a log-normal around `expected` with the learned spread (or `untrustedSpread` when nothing is known),
/// mixed with a log-uniform share over [0.05, 20] × expected for estimates that are far off (`outlierShare`, more
/// when untrusted): that share is what keeps early probes, so a job whose estimate was 3× too high is noticed
/// within a fraction of its length. Δ stays within [`minimum`, `maximum`] and at most triples the elapsed time (`maximumGrowth`);
/// the first question comes `firstAfter` seconds after submit (queue rejections show at once).
///
/// Measured on the quick backfill (BENCHMARKS.md § Poll schedule): against the earlier phased schedule (growth
/// ×1.25 to 0.9 × expected, then 2.5% steps), ~1.3 fewer requests per job at the same latency for long jobs and
/// half the latency for short ones.
public struct PollSchedule: Sendable, Hashable {
    public var minimum: Double
    public var maximum: Double
    public var firstAfter: Double
    /// Seconds of latency one status request is worth, as a share of the job's expected seconds.
    public var requestPrice: Double
    /// The next question comes at most this many times the elapsed seconds after the start.
    public var maximumGrowth: Double
    public var untrustedSpread: Double
    public var outlierShare: Double
    public var untrustedOutlierShare: Double

    public init(
        minimum: Double = 2, maximum: Double = 120, firstAfter: Double = 5, requestPrice: Double = 0.0025,
        maximumGrowth: Double = 3, untrustedSpread: Double = 0.5, outlierShare: Double = 0.05,
        untrustedOutlierShare: Double = 0.3
    ) {
        self.maximumGrowth = maximumGrowth
        self.minimum = minimum
        self.maximum = maximum
        self.firstAfter = firstAfter
        self.requestPrice = requestPrice
        self.untrustedSpread = untrustedSpread
        self.outlierShare = outlierShare
        self.untrustedOutlierShare = untrustedOutlierShare
    }

    /// The range of the far-off share, as multiples of the expected seconds.
    static let outlierRange = (low: 0.05, high: 20.0)

    /// Seconds after the job's start at which to poll next.
    /// - Parameters:
    ///   - polls: status requests made so far for this job.
    ///   - elapsed: seconds since the job's start.
    ///   - belief: what the job is expected to take.
    ///   - jitter: a factor near 1 (0.9…1.1), so jobs started together do not poll together.
    public func nextOffset(polls: Int, elapsed: Double, belief: DurationBelief, jitter: Double) -> Double {
        if polls == 0 { return max(firstAfter, elapsed) }
        let t = max(elapsed, 1)
        let (density, survival) = Self.belief(
            at: t, belief, spread: belief.spread ?? untrustedSpread,
            outliers: belief.spread == nil ? untrustedOutlierShare : outlierShare)
        var interval = maximum
        if density > 0 {
            interval = (2 * requestPrice * max(belief.expected, 1) * survival / density).squareRoot()
        }
        interval = min(max(interval * jitter, minimum), maximum, max(t * (maximumGrowth - 1), minimum))
        return elapsed + interval
    }

    /// The belief's density and survival at `t` seconds.
    static func belief(at t: Double, _ belief: DurationBelief, spread: Double, outliers: Double) -> (Double, Double) {
        let median = max(belief.expected, 1)
        let sigma = max(spread, 0.05)
        let z = log(t / median) / sigma
        let normalDensity = exp(-z * z / 2) / (2 * Double.pi).squareRoot() / (sigma * t)
        let normalSurvival = 0.5 * erfc(z / 2.0.squareRoot())
        let low = outlierRange.low * median
        let high = outlierRange.high * median
        let width = log(outlierRange.high / outlierRange.low)
        var outlierDensity = 0.0
        var outlierSurvival = t < low ? 1.0 : 0.0
        if t >= low && t <= high {
            outlierDensity = 1 / (t * width)
            outlierSurvival = 1 - log(t / low) / width
        }
        return (
            (1 - outliers) * normalDensity + outliers * outlierDensity,
            (1 - outliers) * normalSurvival + outliers * outlierSurvival
        )
    }
}

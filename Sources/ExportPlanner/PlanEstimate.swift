import AnalyticsAPI

/// What a run of a plan costs under the queue limits, from the shared `CostModel`.
public struct PlanEstimate: Sendable, Codable, Hashable {
    public var jobCount: Int
    /// Sum of every job's expected server seconds.
    public var totalJobSeconds: Double
    /// The longest single job.
    public var longestJobSeconds: Double
    /// API users in the spec.
    public var users: Int
    /// Jobs one user runs at once: `min(run.outstanding_per_user, the API's 2 running per user)`.
    public var runningPerUser: Int
    /// Jobs running at once: `min(users × runningPerUser, the company's 4)`.
    public var slots: Int
    /// `max(totalJobSeconds ÷ slots, longestJobSeconds)`: no schedule can finish sooner.
    public var wallSecondsLowerBound: Double
    /// What the bound assumes.
    public var note: String

    /// - Parameter ratios: observed ÷ estimated seconds per export name, learned from earlier runs; a chunk of
    ///   such an export counts its cost-model seconds × the ratio.
    public init(
        chunks: some Sequence<Chunk>, users: Int, outstandingPerUser: Int, limits: QueueLimits = .documented,
        ratios: [String: Double] = [:]
    ) {
        var count = 0
        var total = 0.0
        var longest = 0.0
        for chunk in chunks {
            count += 1
            let seconds = chunk.expectedSeconds * (ratios.isEmpty ? 1 : ratios[chunk.exportName] ?? 1)
            total += seconds
            longest = max(longest, seconds)
        }
        jobCount = count
        totalJobSeconds = total
        longestJobSeconds = longest
        self.users = users
        runningPerUser = max(1, min(outstandingPerUser, limits.runningPerUser))
        slots = max(1, min(max(1, users) * runningPerUser, limits.runningPerCompany))
        wallSecondsLowerBound = count == 0 ? 0 : max(totalJobSeconds / Double(slots), longestJobSeconds)
        note =
            "a lower bound: it assumes every slot is always busy and nobody else in the company is exporting; "
            + "polling, downloads and retries come on top"
            + (ratios.isEmpty ? "" : "; job times are the cost model's corrected by what earlier runs' jobs took")
    }
}

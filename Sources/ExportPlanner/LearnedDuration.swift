/// How long one export's jobs really took in earlier runs against the cost model's estimate, from the journal.
/// The plan's estimate uses it; the executor's core learns the same figure (`LearnedDurations`).
public struct LearnedDuration: Sendable, Codable, Hashable {
    /// Observed ÷ estimated seconds over the jobs seen closed (bounded to [0.05, 20] by the executor).
    public var ratio: Double
    /// API seconds per 1,000 rows returned, when rows were recorded.
    public var secondsPer1000Rows: Double?
    /// Jobs it was learned from.
    public var jobs: Int

    public init(ratio: Double, secondsPer1000Rows: Double? = nil, jobs: Int) {
        self.ratio = ratio
        self.secondsPer1000Rows = secondsPer1000Rows
        self.jobs = jobs
    }

    /// The ratio rounded to thousandths, as the plan shows and writes it.
    public var shownRatio: Double { (ratio * 1000).rounded() / 1000 }
}

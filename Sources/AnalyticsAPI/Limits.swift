/// The API's documented hard limits and the vendor's best practice, as values.
///
/// Sources: the best-practices page (queue limits) and the jobs reference (range and retention); see
/// `shared/reference/analytics-reports-api.md` §3.4 and §7.
public struct QueueLimits: Sendable, Hashable, Codable {
    /// Exports one user may have actively running (documented: 2).
    public var runningPerUser: Int
    /// Exports one user may have queued, running included (documented: 5).
    public var queuedPerUser: Int
    /// Exports a company may have actively running across all its users (documented: 4).
    public var runningPerCompany: Int
    /// Exports a company may have queued across all its users, running included (documented: 50).
    public var queuedPerCompany: Int

    public init(runningPerUser: Int, queuedPerUser: Int, runningPerCompany: Int, queuedPerCompany: Int) {
        self.runningPerUser = runningPerUser
        self.queuedPerUser = queuedPerUser
        self.runningPerCompany = runningPerCompany
        self.queuedPerCompany = queuedPerCompany
    }

    /// The limits as documented by the vendor.
    public static let documented = QueueLimits(
        runningPerUser: 2, queuedPerUser: 5, runningPerCompany: 4, queuedPerCompany: 50)
}

/// Facts about the API that bound what one export may ask for.
public enum APILimits {
    /// The vendor's best practice: no more than 2 exports outstanding per user at a time.
    public static let bestPracticeOutstandingPerUser = 2
    /// The longest time range one export may cover, in calendar months (documented: 3 months).
    public static let maxRangeMonths = 3
    /// How far back data is kept, in calendar months (documented: 18 months).
    public static let retentionMonths = 18
    /// The most `timeInterval` buckets one `team_performance_interval` export may ask for.
    ///
    /// Inferred: the documented error quotes 745 buckets as too many, 31 daily buckets in a month are allowed and
    /// 42 four-hour buckets in a week are not, so the cap lies in 31…41. We use 40.
    public static let maxIntervalBuckets = 40
    /// The text with which the API closes a job submitted over a queue limit.
    public static let tooManyExportsReason = "User is attempting to run too many exports."
    /// The phrase a queue rejection is recognised by, case-insensitively, wherever the server puts it (`reason` or
    /// `detail`): the exact wording of the sentence around it is not documented.
    public static let tooManyExportsPhrase = "too many exports"

    /// Whether `text` carries the queue rejection's phrase (any case).
    public static func isQueueRejection(_ text: String?) -> Bool {
        guard let text else { return false }
        return text.lowercased().contains(tooManyExportsPhrase)
    }
    /// The documented `timeInterval` values, in milliseconds (5 min … 1 week).
    public static let timeIntervalsMillis: [Int64] = [
        300_000, 600_000, 900_000, 1_800_000, 3_600_000, 7_200_000, 14_400_000, 28_800_000, 43_200_000,
        86_400_000, 604_800_000,
    ]
    /// `timeInterval` values above one week mean calendar-month buckets.
    public static let oneWeekMillis: Int64 = 604_800_000
    /// The locales the API documents.
    public static let locales = ["en", "es", "fr", "de", "tr", "en_US"]
    /// The default cap of actions per conversation in `conversation_history_action`, and the raised one.
    public static let historyActionCap = 500
    public static let raisedHistoryActionCap = 2_000
}

import AnalyticsAPI

/// What the simulator has seen and done: `GET /_sim/stats`, and `RunningSimulator.stats()`.
///
/// Tests and benchmarks read it to prove the queue limits were kept and to measure efficiency.
public struct SimulatorStats: Codable, Sendable, Hashable {
    /// Counters for one population of users: ours (configured users) or the synthetic background.
    public struct Population: Codable, Sendable, Hashable {
        /// Submits that created a job (accepted or closed at once).
        public var submissions = 0
        /// Jobs that entered the queue.
        public var accepted = 0
        /// Closed at submit: the user already had the per-user maximum queued.
        public var rejectedUserQueue = 0
        /// Closed at submit: the company already had the per-company maximum queued.
        public var rejectedCompanyQueue = 0
        /// Closed at submit: the window exceeded 3 months (with the accept-and-fail policy).
        public var rejectedOverRange = 0
        public var completed = 0
        /// Jobs that ran and ended FAILED (fault or row limit), not counting rejections.
        public var failed = 0
        /// Total API seconds jobs spent running.
        public var runSeconds: Double = 0

        public init() {}

        /// All queue rejections.
        public var rejections: Int { rejectedUserQueue + rejectedCompanyQueue }
    }

    public var users = Population()
    public var background = Population()
    /// The highest number of running jobs seen at once, per user (background users are `background-N`).
    public var maxRunningPerUser: [String: Int] = [:]
    /// The highest number of queued jobs (running + waiting) seen at once, per user.
    public var maxQueuedPerUser: [String: Int] = [:]
    public var maxRunningCompany = 0
    public var maxQueuedCompany = 0
    public var statusRequests = 0
    public var downloadRequests = 0
    /// Requests for signed file links (successful or not).
    public var fileRequests = 0
    /// Status requests answered 404 because the job was not visible yet (`statusNotFoundFirst`).
    public var notYetVisible = 0
    /// Signed-file requests that carried an `Authorization` header: credentials sent where they do not belong.
    public var fileRequestsWithAuthorization = 0
    /// Requests that reached this server by the foreign origin's name (`foreignBaseURL`), and how many of them
    /// carried an `Authorization` header (credentials sent to another origin: must stay 0).
    public var foreignRequests = 0
    public var foreignRequestsWithAuthorization = 0
    /// Requests answered 400 (bad parameters, downloads of jobs without a file).
    public var badRequests = 0
    /// Requests answered 401 or 403 (credentials, company key, token).
    public var authFailures = 0
    /// Faults injected, by name (`http5xx`, `http429`, `reset`, `fail`, `truncate`, `expire`).
    public var faults: [String: Int] = [:]
    /// The simulated API time when the stats were taken, epoch milliseconds.
    public var apiTimeMillis: Int64 = 0

    public init() {}
}

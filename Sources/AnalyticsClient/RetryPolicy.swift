/// How the client retries 429, 5xx and network failures: exponential backoff with full jitter, honouring
/// `Retry-After`. Delays are in API seconds; `AnalyticsClient.Configuration.timeScale` turns them into real time.
public struct RetryPolicy: Sendable, Hashable {
    /// Tries per request, the first included.
    public var maxAttempts: Int
    /// The first backoff, in API seconds.
    public var baseDelay: Double
    /// No single wait is longer than this, in API seconds (Retry-After included).
    public var maxDelay: Double
    /// Growth of the backoff between tries.
    public var multiplier: Double

    public init(maxAttempts: Int = 6, baseDelay: Double = 1, maxDelay: Double = 120, multiplier: Double = 2) {
        self.maxAttempts = maxAttempts
        self.baseDelay = baseDelay
        self.maxDelay = maxDelay
        self.multiplier = multiplier
    }

    /// The wait before try `attempt + 1` (attempt counts from 1), given the server's Retry-After in seconds.
    /// `random` is a uniform value in 0..<1, injected so tests are deterministic.
    public func delay(afterAttempt attempt: Int, retryAfter: Double?, random: Double) -> Double {
        if let retryAfter, retryAfter >= 0 { return min(retryAfter, maxDelay) }
        var ceiling = baseDelay
        for _ in 1..<max(1, attempt) { ceiling = min(ceiling * multiplier, maxDelay) }
        // "Full jitter" keeps many clients from retrying in lockstep; never below a tenth of the ceiling.
        return max(ceiling * 0.1, ceiling * random)
    }
}

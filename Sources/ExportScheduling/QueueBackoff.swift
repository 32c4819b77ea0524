/// Backoff after queue rejections ("too many exports"), per user and per company, as a value.
///
/// A rejection means the queue was full: submitting again at once only meets the same answer. Each user backs off
/// after its own rejections, by `base × 2^(n-1)` for its n-th rejection in a row, capped at `cap` (10 minutes by
/// default), with ±20% jitter; an accepted job resets it. When `companyThreshold` or more users are rejected
/// within one cap-length, the whole company backs off by the largest of their delays: the company queue, not one
/// user's, is full.
public struct QueueBackoff: Sendable, Hashable {
    public var base: Double
    /// The longest backoff, user or company: 600 s by default.
    public var cap: Double
    public var companyThreshold: Int

    /// Per user: rejections in a row, and when it may submit again.
    public private(set) var streaks: [String: Int] = [:]
    public private(set) var userReadyAt: [String: Double] = [:]
    /// When the company may submit again, and the recent rejections (user, time) behind it.
    public private(set) var companyReadyAt: Double = 0
    private var recent: [(user: String, at: Double)] = []

    public init(base: Double = 30, cap: Double = 600, companyThreshold: Int = 2) {
        self.base = base
        self.cap = cap
        self.companyThreshold = companyThreshold
    }

    /// Records a rejection of `user` at `now`; returns the seconds it waits.
    public mutating func rejected(user: String, now: Double, jitter: Double) -> Double {
        let streak = (streaks[user] ?? 0) + 1
        streaks[user] = streak
        var delay = base
        for _ in 1..<min(streak, 30) { delay *= 2 }
        delay = min(cap, delay * jitter)
        userReadyAt[user] = max(userReadyAt[user] ?? 0, now + delay)
        recent.removeAll { $0.at < now - cap || $0.user == user }
        recent.append((user, now))
        if recent.count >= companyThreshold {
            companyReadyAt = max(companyReadyAt, now + delay)
        }
        return delay
    }

    /// An accepted job of `user`: its streak ends.
    public mutating func accepted(user: String) {
        streaks[user] = nil
        recent.removeAll { $0.user == user }
    }

    /// When `user` may submit next.
    public func readyAt(user: String) -> Double { max(userReadyAt[user] ?? 0, companyReadyAt) }

    public static func == (a: QueueBackoff, b: QueueBackoff) -> Bool {
        a.streaks == b.streaks && a.userReadyAt == b.userReadyAt && a.companyReadyAt == b.companyReadyAt
    }
    public func hash(into hasher: inout Hasher) { hasher.combine(streaks) }
}

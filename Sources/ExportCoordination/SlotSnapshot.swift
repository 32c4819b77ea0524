import AnalyticsAPI
import Foundation

/// What `status` prints about one scope.
public struct SlotSnapshot: Hashable, Sendable, Codable {
    public struct LeaseInfo: Hashable, Sendable, Codable {
        public enum State: String, Hashable, Sendable, Codable {
            /// Renewed by a live holder.
            case held
            /// Not renewed, with a job: held until the job is seen CLOSED.
            case orphaned
            /// Not renewed, no job recorded: freed when the grace period ends (`freedAt`).
            case expired
        }
        public var id: LeaseID
        public var user: String
        public var holder: HolderIdentity
        public var since: Date
        public var expiresAt: Date
        public var state: State
        public var job: SubmittedJob?
        /// When an expired lease with no job will be freed.
        public var freedAt: Date?
    }
    public struct WaiterInfo: Hashable, Sendable, Codable {
        public var user: String
        public var holder: HolderIdentity
        public var since: Date
    }
    public var scope: SlotScope
    public var leases: [LeaseInfo]
    public var waiters: [WaiterInfo]
    public var backoffUntil: Date?
    /// When the snapshot was taken, by the store's clock.
    public var takenAt: Date

    /// Held slots per user.
    public var outstandingByUser: [String: Int] {
        leases.reduce(into: [:]) { $0[$1.user, default: 0] += 1 }
    }

    /// One line per lease and waiter, for a terminal: the status URL's token never appears.
    public var lines: [String] {
        var lines = ["\(scope): \(leases.count) slot(s) held, \(waiters.count) waiting"]
        if let backoffUntil, backoffUntil > takenAt {
            lines.append("  backoff: no submissions for \(Int((backoffUntil.timeIntervalSince(takenAt)).rounded())) s")
        }
        for lease in leases {
            let age = Int(takenAt.timeIntervalSince(lease.since).rounded())
            var line = "  \(lease.user): \(lease.holder), \(lease.state.rawValue) for \(age) s"
            if let job = lease.job { line += ", \(job)" }
            if let freedAt = lease.freedAt { line += ", freed in \(Int(freedAt.timeIntervalSince(takenAt))) s" }
            lines.append(line)
        }
        for waiter in waiters {
            lines.append("  waiting: \(waiter.user) for \(waiter.holder)")
        }
        return lines
    }
}

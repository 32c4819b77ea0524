import Foundation

/// Durations of the lease protocol. Tests use short ones; the defaults suit real jobs.
public struct CoordinationTiming: Hashable, Sendable, Codable {
    /// How long a lease lives without renewal.
    public var leaseDuration: TimeInterval
    /// How long an expired lease with no recorded job keeps its slots: longer than a job could run, since the
    /// submit may have reached the API after all.
    public var noJobGrace: TimeInterval
    /// How often one orphan is handed out for a status poll.
    public var orphanProbeInterval: TimeInterval
    /// How long a waiter keeps its place without showing it is alive (a dead waiter must not block the queue).
    public var waiterTimeToLive: TimeInterval
    /// The longest a waiter sleeps (real time) before it looks at the table again, whatever wake-up it expects:
    /// a safety net against a lost notification.
    public var maximumWait: TimeInterval

    public init(
        leaseDuration: TimeInterval = 60, noJobGrace: TimeInterval = 6 * 3600, orphanProbeInterval: TimeInterval = 30,
        waiterTimeToLive: TimeInterval = 30, maximumWait: TimeInterval = 1
    ) {
        self.leaseDuration = leaseDuration
        self.noJobGrace = noJobGrace
        self.orphanProbeInterval = orphanProbeInterval
        self.waiterTimeToLive = waiterTimeToLive
        self.maximumWait = maximumWait
    }

    /// How often a holder should renew: a third of the lease, so two renewals may fail before it expires.
    public var renewEvery: TimeInterval { leaseDuration / 3 }

    public static let standard = CoordinationTiming()
}

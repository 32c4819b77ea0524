import AnalyticsAPI

/// Faults that happen *after* a request had its effect, as a gateway in front of the real API produces them.
extension SimulatorEngine {
    /// What happens to the answer of a submit that created a job.
    enum AcceptedFault: Sendable {
        /// The job exists; the answer is a gateway's 502 or 504.
        case http5xx(status: Int)
        /// The job exists; the connection drops mid-answer.
        case reset
    }

    /// Draws the after-effect fault (if any) for the answer to a submit that has just created a job.
    func drawAcceptedFault() -> AcceptedFault? {
        let faults = configuration.faults
        guard faults.accepted5xx + faults.acceptedReset > 0 else { return nil }
        let u = nextAfterEffectDraw("accepted")
        if u < faults.accepted5xx {
            stats.faults["accepted5xx", default: 0] += 1
            return .http5xx(status: Int(u * 1_000_000) % 2 == 0 ? 502 : 504)
        }
        if u < faults.accepted5xx + faults.acceptedReset {
            stats.faults["acceptedReset", default: 0] += 1
            return .reset
        }
        return nil
    }

    /// Whether a new job's status requests are all refused with 403 (`jobToken403`), and whether its status URL
    /// names the foreign origin (`foreignStatus`). Drawn once per job, at submit.
    func drawJobFaults(workflowId: String) -> (tokenRefused: Bool, foreignStatus: Bool) {
        let faults = configuration.faults
        var refused = false
        var foreign = false
        if faults.jobToken403 > 0, nextAfterEffectDraw("jobToken403") < faults.jobToken403 {
            refused = true
            tokenRefusedJobs.insert(workflowId)
            stats.faults["jobToken403", default: 0] += 1
        }
        if faults.foreignStatus > 0, configuration.foreignBaseURL != nil,
            nextAfterEffectDraw("foreignStatus") < faults.foreignStatus
        {
            foreign = true
            stats.faults["foreignStatus", default: 0] += 1
        }
        return (refused, foreign)
    }

    /// Whether this job's status is refused (the `jobToken403` fault drew it).
    func isTokenRefused(workflowId: String) -> Bool { tokenRefusedJobs.contains(workflowId) }

    /// Whether this status request of the job is one of its first `statusNotFoundFirst`, which an eventually
    /// consistent job store answers 404 (counted in `notYetVisible`).
    func isNotYetVisible(workflowId: String) -> Bool {
        guard configuration.statusNotFoundFirst > 0 else { return false }
        let seen = statusRequestsSeen[workflowId, default: 0]
        statusRequestsSeen[workflowId] = seen + 1
        guard seen < configuration.statusNotFoundFirst else { return false }
        stats.notYetVisible += 1
        return true
    }
}

import ExportScheduling

extension Journal {
    /// Writes one of the core's journal steps.
    /// - Throws: when the journal cannot be written.
    func write(_ step: JournalStep) throws {
        switch step {
        case .submitting(let id, let user): try markSubmitting(id, user: user)
        case .submitted(let id, let job): try markSubmitted(id, job: job)
        case .completed(let id, let url, let seconds, let closedSeconds):
            try markCompleted(id, downloadURL: url, jobSeconds: seconds, closedSeconds: closedSeconds)
        case .verified(let id, let rows, let bytes, let sha256, let file):
            try markVerified(id, rows: rows, bytes: bytes, sha256: sha256, file: file)
        case .rejected(let id): try markRejected(id)
        case .attemptFailed(let id, let error, let final): try markAttemptFailed(id, error: error, final: final)
        case .split(let id, let error, let children): try markSplit(id, error: error, into: children)
        case .retired(let id): try retire(id)
        }
    }
}

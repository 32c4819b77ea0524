import Foundation

extension RunReport {
    /// How a run ended, for the report's banner: taken from the run's summary (the run that just ended) or from
    /// the run log (`exportpipe report` later).
    public struct Status: Sendable, Hashable, Codable {
        public enum Kind: String, Sendable, Hashable, Codable, CaseIterable {
            /// Every export merged.
            case complete
            /// Chunks failed for good, or the run stopped on an error.
            case failed
            /// Stopped early (Ctrl-C, SIGTERM, a closed output): the journal is saved.
            case interrupted
            /// `run.deadline` passed: nothing new was submitted; the journal is saved.
            case deadline
            /// The API refused the credentials (HTTP 401, or 403 for the company key): nothing can be exported.
            case refusedCredentials = "refused-credentials"
            /// The spec or its plan has errors: nothing ran.
            case specErrors = "spec-errors"
        }

        public var kind: Kind
        public var exitCode: Int
        /// The error that ended the run, redacted (nil when none did: chunks that failed are listed below it).
        public var error: String?

        public init(kind: Kind, exitCode: Int, error: String? = nil) {
            self.kind = kind
            self.exitCode = exitCode
            self.error = error
        }

        /// The status a summary states (`status`, `exitCode`), or nil for a status this report does not know.
        /// Accepts `refused-credentials`, `refused_credentials` and `refusedCredentials` (and the same forms of
        /// `spec-errors`).
        public init?(status: String, exitCode: Int, error: String? = nil) {
            let normalised = status.replacingOccurrences(of: "_", with: "-")
            // Any spelling of a kind (`spec_errors`, `refusedCredentials`); a closed output stops a run as Ctrl-C
            // does.
            let kind =
                Kind(rawValue: normalised)
                ?? Kind.allCases.first {
                    $0.rawValue.replacingOccurrences(of: "-", with: "")
                        == normalised.lowercased()
                        .replacingOccurrences(of: "-", with: "")
                } ?? (normalised == "output-closed" ? .interrupted : nil)
            guard let kind else { return nil }
            self.init(kind: kind, exitCode: exitCode, error: error)
        }

        /// The summary's status and exit code.
        public init?(summary: RunSummary, error: String? = nil) {
            self.init(status: summary.status, exitCode: summary.exitCode, error: error)
        }

        /// Whether the run did all the work it set out to do (the plan's bound then applies to it).
        public var finishedItsWork: Bool { kind == .complete || (kind == .failed && error == nil) }

        /// The banner's headline.
        public var headline: String {
            switch kind {
            case .complete: "Complete: every export is merged"
            case .failed: error == nil ? "Failed: some chunks failed for good" : "Failed: the run stopped on an error"
            case .interrupted: "Interrupted: the run was stopped before it finished"
            case .deadline: "Deadline: run.deadline passed before the run finished"
            case .refusedCredentials: "Refused credentials: the API did not accept the run's user or company key"
            case .specErrors: "Spec errors: the run could not be planned"
            }
        }

        /// What to do next, and the command that does it (nil when there is nothing to do).
        public func advice(specPath: String) -> (text: String, command: String?) {
            switch kind {
            case .complete:
                ("Nothing to do: the outputs and manifest.json are up to date.", nil)
            case .failed where error != nil:
                (
                    "Fix what the error says, then run the pipeline again: verified chunks are kept.",
                    "exportpipe run \(specPath)"
                )
            case .failed:
                (
                    "The chunks below failed for good; their exports are not merged (the previous outputs are "
                        + "untouched). Once the cause is fixed, retry them: verified chunks are kept.",
                    "exportpipe retry \(specPath)"
                )
            case .interrupted:
                (
                    "The journal is saved: run the pipeline again to go on. Verified chunks are kept; jobs still at "
                        + "the server are followed again (those of the in-process simulator ended with it and are "
                        + "submitted again). With --no-resume a run starts over instead.",
                    "exportpipe run \(specPath)"
                )
            case .deadline:
                (
                    "Nothing new was submitted after the deadline; the journal keeps every job in flight. Run again to "
                        + "go on, or give run.deadline more time.",
                    "exportpipe run \(specPath)"
                )
            case .refusedCredentials:
                (
                    "Check the password in the environment variable the spec's user names (password_env) and "
                        + "api.company_key (company_key_env), then run again. Nothing was exported with these "
                        + "credentials.",
                    "exportpipe run \(specPath)"
                )
            case .specErrors:
                (
                    "Fix the errors validate prints (file:line:col), then run again; nothing was submitted.",
                    "exportpipe validate \(specPath)"
                )
            }
        }

        /// The banner's colour: ok, warn or bad.
        var tone: String {
            switch kind {
            case .complete: "ok"
            case .interrupted, .deadline: "warn"
            case .failed, .refusedCredentials, .specErrors: "bad"
            }
        }
    }
}

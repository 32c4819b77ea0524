// The one vocabulary of what happens to a run: the core sends it (`SchedulerEffect.notify`), the driver adds
// `started`, `replanned` and `finished`, and the displays, the event log and the metrics read it.

/// Something that happened to a chunk, for progress displays and `--progress json`.
public struct ProgressEvent: Sendable, Codable, Hashable {
    public enum Kind: String, Sendable, Codable, Hashable {
        /// The run begins: `total` chunks, `done` already verified.
        case started
        case submitted
        /// The job's status named it waiting at the server for a slot (a `QUEUED`, `WAITING` or `PENDING`
        /// runnerState): sent once per job, and only by a service that names the state (the API documents none).
        case queued
        /// The job's status first showed it running at the server, not only queued (an acknowledge time or a
        /// progress count, or an in-flight status that does not name it queued from a service that names that
        /// state: the API documents no QUEUED state, so without either a job is never seen running).
        case running
        /// A job still in flight from an earlier run was found again through its status URL.
        case reattached
        /// The queue was full (another user's load); resubmitted later, no attempt spent.
        case rejected
        case completed
        case verified
        /// A try failed and will be retried after a cooldown.
        case retrying
        /// A failing chunk was replaced by its halves.
        case split
        /// A chunk failed for good.
        case failed
        /// A job's status had not changed for `stuck_after`: it is abandoned and the chunk submitted again.
        case stuck
        /// A verified chunk is exported again (its window ended within the settle period, or its file changed).
        case replanned
        /// A submit's outcome was unknown (a job may exist): its slot is held for the job's expected time × 1.5,
        /// then the chunk is submitted again.
        case held
        /// A job of a chunk no longer in the plan was followed to CLOSED (counted against the limits) and forgotten.
        case retired
        /// An export stopped after several of its chunks failed for good in a row with the same error.
        case exportStopped
        /// Something worth knowing that changes nothing in the run: a credential kept off a foreign origin, or a
        /// merge that worked around something the API's files did not have as expected (a column it could not
        /// find, times in no known form) — the message says what, and how the output differs from one whole
        /// export; merge warnings are also in the manifest's `warnings`.
        case warning
        /// A partition of the dataset was loaded into PostgreSQL (`output.load`): `rows` rows replaced its old ones.
        case loaded
        /// A partition's load failed (the table keeps its previous rows); the message says why and what to do.
        case loadFailed = "load_failed"
        case finished
    }

    public var kind: Kind
    public var chunk: String?
    public var export: String?
    public var user: String?
    public var rows: Int64?
    public var bytes: Int64?
    /// Redacted text: the server's reason, the error, the split's children.
    public var message: String?
    public var total: Int?
    public var done: Int?

    public init(
        _ kind: Kind, chunk: String? = nil, export: String? = nil, user: String? = nil, rows: Int64? = nil,
        bytes: Int64? = nil, message: String? = nil, total: Int? = nil, done: Int? = nil
    ) {
        self.kind = kind
        self.chunk = chunk
        self.export = export
        self.user = user
        self.rows = rows
        self.bytes = bytes
        self.message = message
        self.total = total
        self.done = done
    }
}

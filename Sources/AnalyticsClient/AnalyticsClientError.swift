/// Why a call to the Analytics Reports API did not succeed, with text written for the person reading it.
///
/// Every text is already redacted: it never contains a password, `companyKey`, access token or signed query.
public struct AnalyticsClientError: Error, Sendable, Equatable, CustomStringConvertible {
    enum Kind: Sendable, Equatable {
        case unauthorized
        case badRequest
        case server
        case transport
        case outcomeUnknown
        case malformedResponse
        case downloadFailed
        case jobRefused
        case insecureTransport
    }

    let kind: Kind
    /// What the server said (already redacted), or our own account of what went wrong.
    public let message: String
    /// The HTTP status, when there was one.
    public let httpStatus: Int?

    /// The API user whose request was refused, for `unauthorized`.
    public let user: String?

    init(_ kind: Kind, _ message: String, httpStatus: Int? = nil, user: String? = nil) {
        self.kind = kind
        self.message = message
        self.httpStatus = httpStatus
        self.user = user
    }

    /// 401/403 on a company-level call: the user's credentials (401) or the company key (403) were refused. The
    /// run stops.
    public static func unauthorized(_ message: String, status: Int, user: String? = nil) -> Self {
        Self(.unauthorized, message, httpStatus: status, user: user)
    }
    /// 400: the server refused these parameters. Retrying the same request cannot help.
    public static func badRequest(_ message: String) -> Self { Self(.badRequest, message, httpStatus: 400) }
    /// 429/5xx that outlived every retry.
    public static func server(_ message: String, status: Int) -> Self { Self(.server, message, httpStatus: status) }
    /// The network failed on every retry.
    public static func transport(_ message: String) -> Self { Self(.transport, message) }
    /// A submit whose request may have reached the server but whose answer was lost: a job may exist.
    public static func outcomeUnknown(_ message: String) -> Self { Self(.outcomeUnknown, message) }
    /// The server answered something that is not the documented envelope.
    public static func malformedResponse(_ message: String) -> Self { Self(.malformedResponse, message) }
    /// The export file could not be fetched completely.
    public static func downloadFailed(_ message: String) -> Self { Self(.downloadFailed, message) }

    /// 403/404/410 on one job's status: that job's token was refused or the job is gone (not the credentials).
    public static func jobRefused(_ message: String, status: Int) -> Self {
        Self(.jobRefused, message, httpStatus: status)
    }
    /// The configured API is plain http on a non-loopback host: credentials are not sent there.
    public static func insecureTransport(_ message: String) -> Self { Self(.insecureTransport, message) }

    /// Whether the whole run must stop (credentials refused), rather than just this chunk.
    public var stopsRun: Bool { kind == .unauthorized || kind == .insecureTransport }
    /// Whether the problem is one job's (its token or the job itself), not the run's.
    public var isJobLevel: Bool { kind == .jobRefused }
    /// Whether the server refused these parameters (400).
    public var isBadRequest: Bool { kind == .badRequest }
    /// Whether the same request may succeed later.
    public var isTransient: Bool { [.server, .transport, .downloadFailed, .malformedResponse].contains(kind) }
    /// Whether a submit may have created a job anyway.
    public var mayHaveCreatedJob: Bool { kind == .outcomeUnknown }

    /// The server's message as the end of a sentence of ours (its own final period dropped).
    private var sentence: String { message.hasSuffix(".") ? String(message.dropLast()) : message }

    public var description: String {
        switch kind {
        case .unauthorized where httpStatus == 403:
            "the API refused \(user.map { "user \($0)" } ?? "the user") access to the company (HTTP 403): \(sentence). "
                + "Check api.company_key (and that the user belongs to that company); the run stops."
        case .unauthorized:
            "the API refused the credentials of \(user.map { "user \($0)" } ?? "the user") (HTTP \(httpStatus ?? 401)): "
                + "\(sentence). Check the user name and its password variable (api.users[].password_env), and "
                + "api.company_key; the run stops."
        case .badRequest: "the API refused the request (HTTP 400): \(message)"
        case .server: "the API kept failing (HTTP \(httpStatus ?? 500)): \(message)"
        case .transport: "the network failed: \(message)"
        case .outcomeUnknown: "the answer to a submit was lost: \(message)"
        case .malformedResponse: "the API answered something unexpected: \(message)"
        case .downloadFailed: "the download failed: \(message)"
        case .jobRefused: "the job's status was refused (HTTP \(httpStatus ?? 403)): \(message)"
        case .insecureTransport: "\(message); the run stops"
        }
    }
}

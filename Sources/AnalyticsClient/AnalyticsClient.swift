import AnalyticsAPI
import Foundation
import Logging

/// A user's credentials for HTTP Basic auth. Printing it never shows the password.
public struct APICredentials: Sendable, Hashable, CustomStringConvertible {
    public var username: String
    public var password: String

    public init(username: String, password: String) {
        self.username = username
        self.password = password
    }

    public var description: String { "\(username):\(Redaction.mask)" }

    var authorizationHeader: String {
        "Basic " + Data("\(username):\(password)".utf8).base64EncodedString()
    }
}

/// A file fetched completely.
public struct DownloadResult: Sendable, Hashable {
    public var bytes: Int64
    public var sha256: String
    /// How many times the signed URL had to be asked for again (expired or cut short).
    public var refreshes: Int
}

/// The Analytics Reports API, as exportpipe uses it: submit, status, download, teams.
///
/// Every wait is in API seconds on the injected `APIClock` (real time against the real API; the simulator's scale
/// against a simulator) so backoff behaves the same at any speed.
///
/// Credentials go only to the configured API origin (scheme, host, port), and only over https or to a loopback
/// host; a status or download URL on another origin is used without them, with one warning.
public struct AnalyticsClient: Sendable {
    public struct Configuration: Sendable {
        /// The API host, e.g. `https://analytics-api.app.lithium.com` (a trailing `/api/public` is accepted).
        public var baseURL: String
        public var companyKey: String
        public var retry: RetryPolicy
        /// Real seconds one HTTP exchange may take before it counts as failed.
        public var requestTimeout: Double
        /// Real seconds a download may take.
        public var downloadTimeout: Double
        /// How often an expired or cut-short signed URL is asked for again.
        public var maxDownloadRefreshes: Int

        public init(
            baseURL: String, companyKey: String, retry: RetryPolicy = RetryPolicy(),
            requestTimeout: Double = 60, downloadTimeout: Double = 3600, maxDownloadRefreshes: Int = 5
        ) {
            var base = baseURL
            while base.hasSuffix("/") { base.removeLast() }
            if base.hasSuffix(APIPaths.root) { base.removeLast(APIPaths.root.count) }
            self.baseURL = base
            self.companyKey = companyKey
            self.retry = retry
            self.requestTimeout = requestTimeout
            self.downloadTimeout = downloadTimeout
            self.maxDownloadRefreshes = maxDownloadRefreshes
        }
    }

    public let configuration: Configuration
    private let transport: any AnalyticsTransport
    private let logger: Logger
    private let random: @Sendable () -> Double
    private let clock: any APIClock
    private let warnings = OnceWarnings()

    public init(
        configuration: Configuration, transport: any AnalyticsTransport, clock: any APIClock = ScaledClock(),
        logger: Logger = Logger(label: "exportpipe.client"),
        random: @escaping @Sendable () -> Double = { Double.random(in: 0..<1) }
    ) {
        self.configuration = configuration
        self.transport = transport
        self.clock = clock
        self.logger = logger
        self.random = random
    }

    // MARK: - Calls

    /// Submits one export. Parameters travel in the query string (as most of the vendor's samples do).
    /// Only a 429 and a refused connection (nothing was sent) are retried here: a 5xx, a timeout, a reset after
    /// sending or a 200 that does not decode may come after the job was accepted, so they are `.outcomeUnknown`.
    /// - Throws: `AnalyticsClientError`: `.badRequest` with the server's message for a refused request,
    ///   `.unauthorized` for 401/403, `.outcomeUnknown` when the answer was lost after the request may have
    ///   been received (a job may exist), `.server`/`.transport` when retries ran out.
    public func submit(_ request: ExportRequest, as credentials: APICredentials) async throws -> SubmittedJob {
        let query = [QueryItem("companyKey", configuration.companyKey)] + request.queryItems
        let url = configuration.baseURL + APIPaths.submit(request.type) + "?" + PercentEncoding.encodeQuery(query)
        let response = try await send(
            TransportRequest(
                method: "POST", url: url, headers: try headers(credentials, for: url), body: [],
                timeoutSeconds: configuration.requestTimeout),
            idempotent: false, credentials: credentials)
        let envelope: Envelope<JobInfo>
        do {
            envelope = try decode(response, what: "submit answer", credentials: credentials)
        } catch let error as AnalyticsClientError where error.kind == .malformedResponse {
            // A 200 we cannot read may still have created a job.
            throw AnalyticsClientError.outcomeUnknown(error.message)
        }
        let result = envelope.result
        guard !result.workflowId.isEmpty, !result.runId.isEmpty else {
            throw AnalyticsClientError.malformedResponse("the submit answer has no workflowId or runId")
        }
        let statusURL =
            nonEmpty(result.statusUrl)
            ?? configuration.baseURL + APIPaths.status(workflowId: result.workflowId, runId: result.runId) + "?"
            + PercentEncoding.encodeQuery([QueryItem("companyKey", configuration.companyKey)])
        return SubmittedJob(
            workflowId: result.workflowId, runId: result.runId, statusURL: statusURL,
            downloadURL: nonEmpty(result.downloadUrl))
    }

    /// Asks for a job's status through its status URL. Accepts the object and the array form of `result`.
    /// - Throws: `.jobRefused` for a 403/404/410 (that job's token or the job itself is gone, not the
    ///   credentials), `.unauthorized` for a 401.
    public func status(of job: SubmittedJob, as credentials: APICredentials) async throws -> JobStatus {
        let url = absolute(job.statusURL)
        let response = try await send(
            TransportRequest(
                method: "GET", url: url, headers: try headers(credentials, for: url),
                timeoutSeconds: configuration.requestTimeout),
            idempotent: true, credentials: credentials, jobLevel: true)
        let envelope: Envelope<StatusPayload> = try decode(response, what: "status answer", credentials: credentials)
        return envelope.result.status
    }

    /// Downloads a completed job's file to `path`: asks `/download`, follows the 307 by hand **without**
    /// credentials, streams the body to disk, checks its length, and asks `/download` again when the signed URL
    /// has expired or the body was cut short.
    /// - Parameter downloadURL: the URL from the completed status (or the submit answer).
    public func download(
        from downloadURL: String, to path: String, as credentials: APICredentials
    ) async throws -> DownloadResult {
        var refreshes = 0
        var lastProblem = ""
        while refreshes <= configuration.maxDownloadRefreshes {
            // Ask the API for the file; it answers with a redirect to a short-lived signed URL.
            let first = try await streamWithRetries(
                TransportRequest(
                    method: "GET", url: absolute(downloadURL),
                    headers: try headers(credentials, for: absolute(downloadURL)),
                    timeoutSeconds: configuration.downloadTimeout),
                to: path, credentials: credentials)
            var final = first
            var from = downloadURL
            var hops = 0
            // The 307 to the signed URL, and any further redirects a CDN or object store adds (relative or not).
            while [301, 302, 303, 307, 308].contains(final.status) {
                hops += 1
                guard hops <= Self.maxRedirects else {
                    throw AnalyticsClientError.malformedResponse(
                        "the download redirected more than \(Self.maxRedirects) times")
                }
                guard let location = final.header("Location"), let target = resolve(location, against: from) else {
                    throw AnalyticsClientError.malformedResponse("the download redirect has no usable Location")
                }
                // No Authorization header, no cookies: the signed URL carries its own authority.
                final = try await streamWithRetries(
                    TransportRequest(method: "GET", url: target, timeoutSeconds: configuration.downloadTimeout),
                    to: path, credentials: credentials)
                from = target
            }
            switch final.status {
            case 200..<300:
                let arrived = final.bytesReceived ?? final.bytesWritten
                if let expected = final.header("Content-Length").flatMap({ Int64($0) }), expected != arrived {
                    lastProblem = "the file was cut short (\(arrived) of \(expected) bytes)"
                } else {
                    return DownloadResult(bytes: final.bytesWritten, sha256: final.sha256, refreshes: refreshes)
                }
            case 403, 410:
                lastProblem = "the signed download link had expired"
            case 401:
                throw AnalyticsClientError.unauthorized(serverMessage(final.errorBody, credentials), status: 401)
            default:
                throw AnalyticsClientError.downloadFailed(
                    "HTTP \(final.status): \(serverMessage(final.errorBody, credentials))")
            }
            refreshes += 1
            logger.debug("download refresh", metadata: ["why": .string(lastProblem)])
        }
        throw AnalyticsClientError.downloadFailed(
            "\(lastProblem); gave up after asking for a fresh link \(configuration.maxDownloadRefreshes) times")
    }

    /// Redirects followed from the download endpoint to the file.
    static let maxRedirects = 5

    /// Lists the company's teams.
    public func teams(as credentials: APICredentials) async throws -> [TeamInfo] {
        let url =
            configuration.baseURL + APIPaths.teams + "?"
            + PercentEncoding.encodeQuery([QueryItem("companyKey", configuration.companyKey)])
        let response = try await send(
            TransportRequest(
                method: "GET", url: url, headers: try headers(credentials, for: url),
                timeoutSeconds: configuration.requestTimeout),
            idempotent: true, credentials: credentials)
        let envelope: Envelope<[TeamInfo]> = try decode(response, what: "teams listing", credentials: credentials)
        return envelope.result
    }

    // MARK: - Retries

    private func send(
        _ request: TransportRequest, idempotent: Bool, credentials: APICredentials, jobLevel: Bool = false
    ) async throws -> TransportResponse {
        var attempt = 0
        while true {
            attempt += 1
            let response: TransportResponse
            do {
                response = try await transport.send(request)
            } catch let error as TransportError {
                // A connect failure means nothing was sent; anything later may have reached the server.
                if !idempotent && error.kind != .connect {
                    throw AnalyticsClientError.outcomeUnknown(redact(error.detail, credentials))
                }
                guard attempt < configuration.retry.maxAttempts else {
                    throw AnalyticsClientError.transport(redact(error.detail, credentials))
                }
                try await backoff(attempt: attempt, retryAfter: nil, why: error.detail, credentials: credentials)
                continue
            }
            switch response.status {
            case 200..<300:
                return response
            case 403 where jobLevel, 404 where jobLevel, 410 where jobLevel:
                // One job's token refused or the job gone: that job's problem. (A `where` clause guards only the
                // pattern it follows, so each pattern carries its own.)
                throw AnalyticsClientError.jobRefused(
                    serverMessage(response.body, credentials), status: response.status)
            case 401, 403:
                throw AnalyticsClientError.unauthorized(
                    serverMessage(response.body, credentials), status: response.status, user: credentials.username)
            case 500...599 where !idempotent:
                // A gateway's 502/504 may come after the backend accepted the job.
                throw AnalyticsClientError.outcomeUnknown(
                    "HTTP \(response.status): \(serverMessage(response.body, credentials))")
            case 429, 500...599:
                guard attempt < configuration.retry.maxAttempts else {
                    throw AnalyticsClientError.server(
                        serverMessage(response.body, credentials), status: response.status)
                }
                let retryAfter = response.header("Retry-After").flatMap {
                    Double($0.trimmingCharacters(in: .whitespaces))
                }
                try await backoff(
                    attempt: attempt, retryAfter: retryAfter, why: "HTTP \(response.status)", credentials: credentials)
            default:
                throw AnalyticsClientError.badRequest(
                    "HTTP \(response.status): \(serverMessage(response.body, credentials))")
            }
        }
    }

    private func streamWithRetries(
        _ request: TransportRequest, to path: String, credentials: APICredentials
    ) async throws -> StreamedResponse {
        var attempt = 0
        while true {
            attempt += 1
            do {
                let response = try await transport.stream(request, to: path)
                guard response.status == 429 || (500...599).contains(response.status) else { return response }
                guard attempt < configuration.retry.maxAttempts else {
                    throw AnalyticsClientError.server(
                        serverMessage(response.errorBody, credentials), status: response.status)
                }
                let retryAfter = response.header("Retry-After").flatMap { Double($0) }
                try await backoff(
                    attempt: attempt, retryAfter: retryAfter, why: "HTTP \(response.status)", credentials: credentials)
            } catch let error as TransportError {
                if error.kind == .file { throw AnalyticsClientError.downloadFailed(error.detail) }
                guard attempt < configuration.retry.maxAttempts else {
                    throw AnalyticsClientError.transport(redact(error.detail, credentials))
                }
                try await backoff(attempt: attempt, retryAfter: nil, why: error.detail, credentials: credentials)
            }
        }
    }

    private func backoff(attempt: Int, retryAfter: Double?, why: String, credentials: APICredentials) async throws {
        let apiSeconds = configuration.retry.delay(afterAttempt: attempt, retryAfter: retryAfter, random: random())
        logger.debug(
            "retrying",
            metadata: ["attempt": .stringConvertible(attempt), "why": .string(redact(why, credentials))])
        try await clock.sleep(for: apiSeconds)
    }

    // MARK: - Helpers

    /// The headers for a request to `url`: Authorization only on the configured API origin, and only over https
    /// or to a loopback host.
    /// - Throws: `.insecureTransport` when the configured API itself is plain http on a non-loopback host.
    private func headers(_ credentials: APICredentials, for url: String) throws -> [(name: String, value: String)] {
        let accept = [(name: "Accept", value: "application/json")]
        guard let api = Origin(configuration.baseURL), let target = Origin(url) else { return accept }
        guard api == target else {
            if warnings.first("origin:\(target)") {
                logger.warning(
                    "a status or download URL points at \(target), not the configured API \(api): it is used without credentials"
                )
            }
            return accept
        }
        guard target.scheme == "https" || target.isLoopback else {
            throw AnalyticsClientError.insecureTransport(
                "the API \(api) is plain http on a host that is not loopback: credentials are sent only over https")
        }
        return [("Authorization", credentials.authorizationHeader)] + accept
    }

    private func absolute(_ url: String) -> String {
        url.hasPrefix("http://") || url.hasPrefix("https://") ? url : configuration.baseURL + url
    }

    private func resolve(_ location: String, against base: String) -> String? {
        guard let baseURL = URL(string: absolute(base)), let url = URL(string: location, relativeTo: baseURL) else {
            return nil
        }
        return url.absoluteString
    }

    private func decode<T: Codable & Sendable>(
        _ response: TransportResponse, what: String, credentials: APICredentials
    ) throws -> Envelope<T> {
        do {
            let envelope = try JSONDecoder().decode(Envelope<T>.self, from: Data(response.body))
            return envelope
        } catch {
            if let message = failMessage(response.body) {
                throw AnalyticsClientError.badRequest(redact(message, credentials))
            }
            let preview = String(decoding: response.body.prefix(200), as: UTF8.self)
            throw AnalyticsClientError.malformedResponse(
                "the \(what) is not the documented envelope: \(redact(preview, credentials))")
        }
    }

    /// The text of a FAIL envelope's `message` or string `result`.
    private func failMessage(_ body: [UInt8]) -> String? {
        guard let object = try? JSONSerialization.jsonObject(with: Data(body)) as? [String: Any] else { return nil }
        guard (object["status"] as? String) == Envelope<String>.fail else { return nil }
        return (object["message"] as? String) ?? (object["result"] as? String) ?? "no message"
    }

    private func serverMessage(_ body: [UInt8], _ credentials: APICredentials) -> String {
        if let message = failMessage(body) { return redact(message, credentials) }
        let text = String(decoding: body.prefix(300), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        return text.isEmpty ? "no message" : redact(text, credentials)
    }

    private func redact(_ text: String, _ credentials: APICredentials) -> String {
        Redaction.redact(text, extraSecrets: [credentials.password, configuration.companyKey])
    }

    private func nonEmpty(_ value: String?) -> String? {
        guard let value, !value.isEmpty else { return nil }
        return value
    }
}

/// An URL's scheme, host and port (default ports made explicit), to decide where credentials may go.
struct Origin: Hashable, CustomStringConvertible {
    var scheme: String
    var host: String
    var port: Int

    init?(_ text: String) {
        guard let components = URLComponents(string: text), let scheme = components.scheme?.lowercased(),
            let host = components.host?.lowercased(), !host.isEmpty
        else { return nil }
        self.scheme = scheme
        self.host = host
        port = components.port ?? (scheme == "https" ? 443 : 80)
    }

    var isLoopback: Bool { host == "localhost" || host == "::1" || host == "[::1]" || host.hasPrefix("127.") }
    var description: String { "\(scheme)://\(host):\(port)" }
}

/// Warnings given once per key.
final class OnceWarnings: @unchecked Sendable {
    private let lock = NSLock()
    private var given: Set<String> = []
    func first(_ key: String) -> Bool { lock.withLock { given.insert(key).inserted } }
}

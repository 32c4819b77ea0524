/// An HTTP request as the client hands it to a transport.
public struct TransportRequest: Sendable {
    public var method: String
    public var url: String
    public var headers: [(name: String, value: String)]
    public var body: [UInt8]?
    /// How long the whole exchange may take, in real seconds.
    public var timeoutSeconds: Double

    public init(
        method: String, url: String, headers: [(name: String, value: String)] = [], body: [UInt8]? = nil,
        timeoutSeconds: Double = 60
    ) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
        self.timeoutSeconds = timeoutSeconds
    }
}

/// An HTTP response with a small, fully read body.
public struct TransportResponse: Sendable {
    public var status: Int
    public var headers: [(name: String, value: String)]
    public var body: [UInt8]

    public init(status: Int, headers: [(name: String, value: String)] = [], body: [UInt8] = []) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// The first value of a header, by case-insensitive name.
    public func header(_ name: String) -> String? {
        headers.first { $0.name.lowercased() == name.lowercased() }?.value
    }
}

/// The outcome of streaming a response body into a file.
public struct StreamedResponse: Sendable {
    public var status: Int
    public var headers: [(name: String, value: String)]
    /// Bytes written to the file (only for 2xx responses; other bodies are read into `errorBody`).
    public var bytesWritten: Int64
    /// The body of a non-2xx response, capped.
    public var errorBody: [UInt8]
    /// SHA-256 of the bytes written, hex.
    public var sha256: String
    /// Body bytes as they came over the wire, when they differ from `bytesWritten` (a gzip body inflated while
    /// streaming); `Content-Length` counts these.
    public var bytesReceived: Int64?

    public init(
        status: Int, headers: [(name: String, value: String)], bytesWritten: Int64, errorBody: [UInt8],
        sha256: String
    ) {
        self.status = status
        self.headers = headers
        self.bytesWritten = bytesWritten
        self.errorBody = errorBody
        self.sha256 = sha256
    }

    public func header(_ name: String) -> String? {
        headers.first { $0.name.lowercased() == name.lowercased() }?.value
    }
}

/// The small seam between the client and the network: tests script it, production uses AsyncHTTPClient.
///
/// Transports never follow redirects: the client follows the download's 307 itself, without credentials.
public protocol AnalyticsTransport: Sendable {
    /// Sends a request and reads the whole response body (bodies here are small JSON envelopes).
    /// - Throws: `TransportError` when no complete response arrived.
    func send(_ request: TransportRequest) async throws -> TransportResponse

    /// Sends a request and, for a 2xx answer, streams the body into `path` (created or truncated), never
    /// holding the whole body in memory.
    /// - Throws: `TransportError` when the connection failed or the body was cut short.
    func stream(_ request: TransportRequest, to path: String) async throws -> StreamedResponse
}

/// A failure below HTTP: no (complete) response.
public struct TransportError: Error, Sendable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        /// The connection could not be made (nothing was sent).
        case connect
        /// The request may have been sent, but the response did not (fully) arrive.
        case interrupted
        /// The deadline passed.
        case timeout
        /// The local file could not be written.
        case file
    }
    public var kind: Kind
    /// A description with secrets already removed.
    public var detail: String

    public init(_ kind: Kind, _ detail: String) {
        self.kind = kind
        self.detail = detail
    }

    public var description: String { detail }
}

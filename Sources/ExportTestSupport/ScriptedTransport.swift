import AnalyticsClient
import Foundation

/// A transport whose answers a test scripts with a closure, recording every request it saw.
public final class ScriptedTransport: AnalyticsTransport, @unchecked Sendable {
    /// One scripted answer: a response, a streamed body, or a transport failure.
    public enum Answer: Sendable {
        case response(status: Int, headers: [(name: String, value: String)] = [], body: String = "")
        case failure(TransportError)
    }

    private let lock = NSLock()
    private var recorded: [TransportRequest] = []
    private let script: @Sendable (TransportRequest, Int) -> Answer

    /// - Parameter script: given a request and its 0-based index among all requests, the answer.
    public init(_ script: @escaping @Sendable (TransportRequest, Int) -> Answer) {
        self.script = script
    }

    /// Every request so far, in order.
    public var requests: [TransportRequest] { lock.withLock { recorded } }

    private func next(_ request: TransportRequest) -> Answer {
        let index = lock.withLock {
            recorded.append(request)
            return recorded.count - 1
        }
        return script(request, index)
    }

    public func send(_ request: TransportRequest) async throws -> TransportResponse {
        switch next(request) {
        case .response(let status, let headers, let body):
            return TransportResponse(status: status, headers: headers, body: Array(body.utf8))
        case .failure(let error):
            throw error
        }
    }

    public func stream(_ request: TransportRequest, to path: String) async throws -> StreamedResponse {
        switch next(request) {
        case .response(let status, let headers, let body):
            guard (200..<300).contains(status) else {
                return StreamedResponse(
                    status: status, headers: headers, bytesWritten: 0, errorBody: Array(body.utf8), sha256: "")
            }
            try Data(body.utf8).write(to: URL(fileURLWithPath: path))
            return StreamedResponse(
                status: status, headers: headers, bytesWritten: Int64(body.utf8.count), errorBody: [],
                sha256: "scripted")
        case .failure(let error):
            throw error
        }
    }
}

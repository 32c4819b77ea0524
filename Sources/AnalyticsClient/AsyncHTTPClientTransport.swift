import AnalyticsAPI
import AsyncHTTPClient
import CompressNIO
import Crypto
import ExportBasics
import Foundation
import NIOCore
import NIOHTTP1

/// The production transport over AsyncHTTPClient. Redirects are never followed here.
public final class AsyncHTTPClientTransport: AnalyticsTransport {
    private let client: HTTPClient
    /// Largest non-streamed body read into memory.
    private let maxBodyBytes: Int

    public init(maxBodyBytes: Int = 16 << 20) {
        var configuration = HTTPClient.Configuration(
            redirectConfiguration: .disallow,
            timeout: HTTPClient.Configuration.Timeout(connect: .seconds(10), read: .seconds(120))
        )
        configuration.decompression = .disabled
        self.client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
        self.maxBodyBytes = maxBodyBytes
    }

    /// Closes the connection pool. Call once, when the transport is no longer used.
    public func shutdown() async throws {
        try await client.shutdown()
    }

    public func send(_ request: TransportRequest) async throws -> TransportResponse {
        let response = try await execute(request)
        do {
            let buffer = try await response.body.collect(upTo: maxBodyBytes)
            return TransportResponse(
                status: Int(response.status.code), headers: response.headers.map { ($0.name, $0.value) },
                body: Array(buffer.readableBytesView))
        } catch {
            throw TransportError(.interrupted, "the response body from \(redacted(request.url)) was cut short")
        }
    }

    public func stream(_ request: TransportRequest, to path: String) async throws -> StreamedResponse {
        let response = try await execute(request)
        let status = Int(response.status.code)
        let headers = response.headers.map { (name: $0.name, value: $0.value) }
        guard (200..<300).contains(status) else {
            let body = (try? await response.body.collect(upTo: 64 << 10)).map { Array($0.readableBytesView) } ?? []
            return StreamedResponse(
                status: status, headers: headers, bytesWritten: 0, errorBody: body, sha256: "")
        }
        guard FileManager.default.createFile(atPath: path, contents: nil),
            let handle = FileHandle(forWritingAtPath: path)
        else {
            throw TransportError(.file, "cannot create \(path)")
        }
        defer { try? handle.close() }
        var hasher = SHA256()
        var written: Int64 = 0
        var received: Int64 = 0
        // A gzip body (Content-Encoding: gzip, or the gzip magic bytes without it) is inflated while it streams:
        // the file, its length and its SHA-256 are the CSV's.
        let declaredGzip = headers.contains {
            $0.name.lowercased() == "content-encoding" && $0.value.lowercased().contains("gzip")
        }
        var inflater: GzipInflater?
        var sawFirstBytes = false
        func write(_ view: ByteBufferView) throws {
            let data = Data(view)
            hasher.update(data: data)
            try handle.write(contentsOf: data)
            written += Int64(data.count)
        }
        do {
            for try await buffer in response.body {
                received += Int64(buffer.readableBytes)
                if !sawFirstBytes && buffer.readableBytes > 0 {
                    sawFirstBytes = true
                    let view = buffer.readableBytesView
                    if declaredGzip || (view.count >= 2 && view.first == 0x1F && view.dropFirst().first == 0x8B) {
                        inflater = try GzipInflater()
                    }
                }
                if let inflater {
                    try inflater.inflate(buffer) { try write($0.readableBytesView) }
                } else {
                    try write(buffer.readableBytesView)
                }
                // A body that arrives faster than it is written never suspends this loop: let the run's other
                // tasks (the executor's actor above all) have the thread between parts.
                await Task.yield()
            }
            try inflater?.finish()
            try handle.synchronize()
        } catch let error as TransportError {
            throw error
        } catch let error as GzipInflater.Failure {
            throw TransportError(
                .interrupted, "the gzip body from \(redacted(request.url)) could not be inflated: \(error.detail)")
        } catch {
            if error is CocoaError {
                throw TransportError(.file, "cannot write \(path): \(error.localizedDescription)")
            }
            throw TransportError(
                .interrupted, "the download from \(redacted(request.url)) was cut short after \(received) bytes")
        }
        let digest = Hex.encode(hasher.finalize())
        var streamed = StreamedResponse(
            status: status, headers: headers, bytesWritten: written, errorBody: [], sha256: digest)
        streamed.bytesReceived = received
        return streamed
    }

    private func execute(_ request: TransportRequest) async throws -> HTTPClientResponse {
        var httpRequest = HTTPClientRequest(url: request.url)
        httpRequest.method = HTTPMethod(rawValue: request.method)
        for header in request.headers {
            httpRequest.headers.add(name: header.name, value: header.value)
        }
        if let body = request.body {
            httpRequest.body = .bytes(ByteBuffer(bytes: body))
        }
        do {
            return try await client.execute(
                httpRequest, timeout: .milliseconds(Int64(request.timeoutSeconds * 1000)))
        } catch let error as HTTPClientError where error == .deadlineExceeded || error == .readTimeout {
            throw TransportError(.timeout, "no answer from \(redacted(request.url)) in time")
        } catch let error as HTTPClientError where error == .connectTimeout {
            throw TransportError(.connect, "cannot connect to \(redacted(request.url)) (timed out)")
        } catch is CancellationError {
            throw CancellationError()
        } catch {
            let text = String(describing: error)
            if text.contains("connectionRefused") || text.contains("Connection refused")
                || text.contains("connect(descriptor")
            {
                throw TransportError(.connect, "cannot connect to \(redacted(request.url)): \(Redaction.redact(text))")
            }
            throw TransportError(
                .interrupted, "the connection to \(redacted(request.url)) failed: \(Redaction.redact(text))")
        }
    }

    private func redacted(_ url: String) -> String { Redaction.redact(url) }
}

import AnalyticsAPI
import CompressNIO
import Foundation
import Hummingbird
import NIOPosix

/// The signed file links a download redirects to: they answer like an object store (XML errors, no API
/// credentials wanted), with the HTML-page, gzip and truncation faults.
extension SimulatorResponder {
    func file(id: String, query: [QueryItem], request: Request) async -> Response {
        if request.headers[.authorization] != nil { await engine.record { $0.fileRequestsWithAuthorization += 1 } }
        if configuration.rejectCredentialsOnSignedURL && request.headers[.authorization] != nil {
            await engine.record { $0.fileRequests += 1 }
            return xmlError(
                .badRequest, code: "InvalidArgument",
                message: "Only one auth mechanism allowed; do not send Authorization with a signed URL.")
        }
        let signature = query.last { $0.name == "sig" }?.value
        switch await engine.checkLink(id: id, signature: signature) {
        case .invalid:
            return xmlError(.forbidden, code: "AccessDenied", message: "The request signature does not match.")
        case .expired:
            return xmlError(.forbidden, code: "AccessDenied", message: "Request has expired.")
        case .valid(let job):
            // A CDN in front of the object store: more redirects, relative ones, before the file.
            let hop = query.last { $0.name == "hop" }.flatMap { Int($0.value) } ?? 0
            if hop < configuration.redirectHops {
                var headers = HTTPFields()
                let rest = query.filter { $0.name != "hop" } + [QueryItem("hop", String(hop + 1))]
                headers[.location] = "/files/\(id)?" + PercentEncoding.encodeQuery(rest)
                return Response(status: .found, headers: headers)
            }
            guard let submission = job.submission else {
                return xmlError(.notFound, code: "NoSuchKey", message: "The file does not exist.")
            }
            let bytes: [UInt8]
            do {
                // The data as the API held it when the job was submitted (late data arrives afterwards). Rendering
                // a large file is seconds of CPU: it runs on NIO's pool for blocking work, so the threads Swift's
                // tasks share stay free for the submits and polls that arrive meanwhile (rendered there, four
                // 3-month files at once held the API's answers back for a real second or more, which a time scale
                // makes into minutes of API time the real API would not lose: scripts/bench-queue).
                let (generator, configuration) = (generator, configuration)
                bytes = try await NIOThreadPool.singleton.runIfActive {
                    try generator.asOf(job.submittedAt, late: configuration.lateArrival).render(
                        submission.request, options: configuration.styled(submission.options))
                }
            } catch {
                return xmlError(.internalServerError, code: "InternalError", message: "\(error)")
            }
            var headers = HTTPFields()
            let isCSV = submission.options.format == .csv
            let fileName = "\(submission.request.type.rawValue).\(isCSV ? "csv" : "json")"
            headers[.contentType] = isCSV ? "text/csv; charset=utf-8" : "application/json"
            headers[.contentDisposition] = "attachment; filename=\"\(fileName)\""
            if await engine.drawHTMLBody() {
                // A gateway's error page, answered 200 as some proxies do.
                headers[.contentType] = "text/html; charset=utf-8"
                headers[.contentDisposition] = nil
                let page =
                    "<!DOCTYPE html>\n<html><head><title>503 Service Temporarily Unavailable</title></head>"
                    + "<body><h1>Service Temporarily Unavailable</h1></body></html>\n"
                return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(string: page)))
            }
            var body = ByteBuffer(bytes: bytes)
            if configuration.compression != .none {
                do {
                    body = try body.compress(with: .gzip())
                    if configuration.compression == .gzip {
                        headers[.contentEncoding] = "gzip"
                    } else {
                        headers[.contentType] = "application/gzip"
                        headers[.contentDisposition] = "attachment; filename=\"\(fileName).gz\""
                    }
                } catch {
                    return xmlError(.internalServerError, code: "InternalError", message: "gzip: \(error)")
                }
            }
            if await engine.drawTruncation() {
                let all = Array(body.readableBytesView)
                return Response(status: .ok, headers: headers, body: Self.cutShort(all, keep: all.count / 2))
            }
            return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: body))
        }
    }

    /// A body that announces `bytes.count` but sends only `keep` bytes, then drops the connection.
    static func cutShort(_ bytes: [UInt8], keep: Int) -> ResponseBody {
        ResponseBody(contentLength: bytes.count) { writer in
            if keep > 0 { try await writer.write(ByteBuffer(bytes: bytes.prefix(keep))) }
            throw SimulatedDisconnect()
        }
    }

    /// An object store's error body.
    private func xmlError(_ status: HTTPResponse.Status, code: String, message: String) -> Response {
        let xml =
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>\(code)</Code><Message>\(message)</Message></Error>"
        var headers = HTTPFields()
        headers[.contentType] = "application/xml"
        return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(string: xml)))
    }
}

/// Thrown from a response body to drop the connection mid-response (reset and truncate faults).
struct SimulatedDisconnect: Error {}

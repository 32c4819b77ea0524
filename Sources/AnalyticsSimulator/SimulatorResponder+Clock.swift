import AnalyticsAPI
import ExportBasics
import Foundation
import Hummingbird

extension SimulatorResponder {
    /// `GET /_sim/clock`: the API time; `POST /_sim/clock?to=2026-11-21T06:00:00Z`: moves it on to that instant at
    /// once (never back), so a test can run a pipeline on consecutive "nights" against one simulator whose jobs
    /// outlive the runs. Answers `{"apiTimeMillis": …, "apiTime": "…"}`.
    func clock(query: [QueryItem], request: Request) async -> Response {
        let target = query.last { $0.name == "to" }?.value
        guard request.method == .post || (request.method == .get && target == nil) else {
            return clockAnswer(
                ["message": "Read the clock with GET /_sim/clock; move it on with POST /_sim/clock?to=INSTANT."],
                status: .methodNotAllowed)
        }
        guard request.method == .post else { return clockAnswer(await engine.snapshot().apiTimeMillis) }
        guard let target, let millis = InstantFormat.parse(target) else {
            return clockAnswer(
                ["message": "POST /_sim/clock needs to=INSTANT, an ISO 8601 instant such as 2026-11-21T06:00:00Z."],
                status: .badRequest)
        }
        return clockAnswer(await engine.moveClock(to: millis))
    }

    private func clockAnswer(_ millis: Int64) -> Response {
        let body = #"{"apiTime":"\#(InstantFormat.utc(millis, milliseconds: true))","apiTimeMillis":\#(millis)}"#
        return clockResponse(Data(body.utf8), status: .ok)
    }

    private func clockAnswer(_ object: [String: String], status: HTTPResponse.Status) -> Response {
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data()
        return clockResponse(data, status: status)
    }

    private func clockResponse(_ data: Data, status: HTTPResponse.Status) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: data)))
    }
}

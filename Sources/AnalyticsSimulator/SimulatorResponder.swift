import AnalyticsAPI
import Foundation
import Hummingbird

/// Routes and answers every request of the simulated API. Hummingbird types stay inside this target.
struct SimulatorResponder: HTTPResponder {
    typealias Context = BasicRequestContext

    let engine: SimulatorEngine
    let generator: ExportDataGenerator
    let configuration: SimulatorConfiguration
    let fallbackAuthority: String

    private static let reportPrefix = ["api", "public", "reports", "report"]

    func respond(to request: Request, context: Context) async throws -> Response {
        let segments = request.uri.path.split(separator: "/", omittingEmptySubsequences: true).map(String.init)
        guard let query = PercentEncoding.parseQuery(Substring(request.uri.query ?? "")) else {
            return await failure(.badRequest, "The query string is not valid percent-encoding.")
        }
        if segments == ["_sim", "stats"] { return json(await engine.snapshot()) }
        if segments == ["_sim", "clock"] { return await clock(query: query, request: request) }
        if isForeign(request) {
            let carried = request.headers[.authorization] != nil
            await engine.record { stats in
                stats.foreignRequests += 1
                if carried { stats.foreignRequestsWithAuthorization += 1 }
            }
        }
        if segments == ["_sim", "jobs"] { return json(await engine.jobRecords()) }
        if segments.count == 2 && segments[0] == "files" {
            return await file(id: segments[1], query: query, request: request)
        }
        guard segments.count >= 3, segments[0] == "api", segments[1] == "public" else {
            return await failure(.notFound, "No such endpoint: \(request.method) \(request.uri.path).")
        }
        if let fault = await engine.drawRequestFault() { return faultResponse(fault) }
        let base = "http://" + (request.head.authority ?? fallbackAuthority)
        if segments.count == 5 && Array(segments.prefix(4)) == Self.reportPrefix {
            guard request.method == .get || request.method == .post else {
                return await failure(.methodNotAllowed, "Submit an export with GET or POST.")
            }
            return await submit(export: segments[4], query: query, request: request, base: base)
        }
        if segments.count == 7 && Array(segments.prefix(4)) == Self.reportPrefix
            && (segments[6] == "status" || segments[6] == "download")
        {
            guard let runId = PercentEncoding.decode(segments[5]) else {
                return await failure(.badRequest, "The runId in the path is not valid percent-encoding.")
            }
            return await jobRequest(
                workflowId: segments[4], runId: runId, download: segments[6] == "download", query: query,
                request: request, base: base)
        }
        switch segments.dropFirst(2).joined(separator: "/") {
        case "reports/jobs": return await jobsListing(query: query, request: request, base: base)
        case "teams": return await teams(query: query, request: request)
        case "config/timezones": return await timezones(query: query, request: request)
        default: return await failure(.notFound, "No such endpoint: \(request.method) \(request.uri.path).")
        }
    }

    // MARK: Authentication

    private enum Credentials {
        case missing
        case invalid
        case valid(user: String)
    }

    private func credentials(_ request: Request) -> Credentials {
        guard let header = request.headers[.authorization] else { return .missing }
        let parts = header.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "basic",
            let data = Data(base64Encoded: String(parts[1])), let text = String(data: data, encoding: .utf8),
            let colon = text.firstIndex(of: ":")
        else { return .invalid }
        let user = String(text[..<colon])
        let password = String(text[text.index(after: colon)...])
        guard let expected = configuration.users[user], expected == password else { return .invalid }
        return .valid(user: user)
    }

    /// Basic auth and the company key, as submit, teams, timezones and jobs require them.
    private func authorize(_ request: Request, companyKey: String?) async -> (user: String?, error: Response?) {
        guard case .valid(let user) = credentials(request) else {
            await engine.record { $0.authFailures += 1 }
            var response = envelopeFailure(
                .unauthorized, "Invalid or missing credentials: use HTTP Basic auth with an Analytics API user.")
            response.headers[.wwwAuthenticate] = "Basic realm=\"Analytics API\""
            return (nil, response)
        }
        guard let companyKey else {
            await engine.record { $0.badRequests += 1 }
            return (nil, envelopeFailure(.badRequest, "companyKey is required as a query parameter."))
        }
        guard companyKey == configuration.companyKey else {
            await engine.record { $0.authFailures += 1 }
            return (nil, envelopeFailure(.forbidden, "The companyKey is not valid for this user."))
        }
        return (user, nil)
    }

    // MARK: Submit

    private func submit(export: String, query: [QueryItem], request: Request, base: String) async -> Response {
        var items = query
        do {
            items += try await bodyItems(request)
        } catch let error as SubmissionError {
            return await failure(.badRequest, error.description)
        } catch {
            return await failure(.badRequest, "The request body could not be read.")
        }
        let auth = await authorize(request, companyKey: items.last { $0.name == "companyKey" }?.value)
        if let response = auth.error { return response }
        guard let user = auth.user else { return envelopeFailure(.unauthorized, "Invalid credentials.") }
        let submission: ParsedSubmission
        do {
            submission = try SubmissionParser.parse(
                export: export, items: items, inclusiveEnd: configuration.inclusiveEndTime)
        } catch let error as SubmissionError {
            return await failure(.badRequest, error.description)
        } catch {
            return await failure(.badRequest, "The parameters could not be read.")
        }
        if submission.overRange && configuration.overRangePolicy == .reject {
            return await failure(
                .badRequest,
                "The time range exceeds the maximum of \(APILimits.maxRangeMonths) months per export; "
                    + "split it into shorter windows.")
        }
        if let refused = configuration.faults.refuse400,
            refused.refuses(
                export: export, startTime: submission.request.startTime, endTime: submission.request.endTime)
        {
            await engine.record { $0.faults["refuse400", default: 0] += 1 }
            return await failure(
                .badRequest,
                "The request could not be processed for this time range (simulated refusal); "
                    + "contact support if it persists.")
        }
        let rows =
            submission.overRange
            ? 0
            : generator.asOf(await engine.now(), late: configuration.lateArrival).rowCount(
                for: submission.request, inclusiveEndTime: configuration.inclusiveEndTime)
        let job = await engine.submit(user: user, submission: submission, rows: rows)
        let jobFaults = await engine.drawJobFaults(workflowId: job.workflowId)
        var urls = jobURLs(job, base: base)
        if jobFaults.foreignStatus, let foreign = foreignBase(request) {
            urls.status = jobURLs(job, base: foreign).status
        }
        switch await engine.drawAcceptedFault() {
        case .http5xx(let code)?:
            return envelopeFailure(
                HTTPResponse.Status(code: code), "Bad gateway (simulated): the backend's answer was lost.")
        case .reset?:
            return faultResponse(.reset)
        case nil: break
        }
        return json(
            Envelope(
                result: JobInfo(
                    workflowId: job.workflowId, runId: job.runId, downloadUrl: urls.download, statusUrl: urls.status))
        )
    }

    private func bodyItems(_ request: Request) async throws -> [QueryItem] {
        let buffer = try await request.body.collect(upTo: 1 << 20)
        guard buffer.readableBytes > 0 else { return [] }
        let bytes = Array(buffer.readableBytesView)
        let contentType = request.headers[.contentType]?.lowercased() ?? ""
        if contentType.contains("json") || bytes.first == UInt8(ascii: "{") {
            guard let object = try? JSONDecoder().decode([String: JSONValue].self, from: Data(bytes)) else {
                throw SubmissionError("The JSON body must be an object of parameters.")
            }
            var items: [QueryItem] = []
            for key in object.keys.sorted() {
                guard let values = object[key]?.strings else {
                    throw SubmissionError("JSON parameter '\(key)' must be a string, number, boolean or list of them.")
                }
                items += values.map { QueryItem(key, $0) }
            }
            return items
        }
        guard let text = String(validating: bytes, as: UTF8.self),
            let items = PercentEncoding.parseQuery(Substring(text.trimmingCharacters(in: .whitespacesAndNewlines)))
        else { throw SubmissionError("The form body is not valid application/x-www-form-urlencoded text.") }
        return items
    }

    private func jobURLs(_ job: SimulatorEngine.Job, base: String) -> (status: String, download: String) {
        let token = "?analyticsAccessToken=" + PercentEncoding.encodeComponent(job.token)
        return (
            base + APIPaths.status(workflowId: job.workflowId, runId: job.runId) + token,
            base + APIPaths.download(workflowId: job.workflowId, runId: job.runId) + token
        )
    }

    // MARK: Status and download

    private func jobRequest(
        workflowId: String, runId: String, download: Bool, query: [QueryItem], request: Request, base: String
    ) async -> Response {
        await engine.record { stats in
            if download { stats.downloadRequests += 1 } else { stats.statusRequests += 1 }
        }
        if case .invalid = credentials(request) {
            await engine.record { $0.authFailures += 1 }
            return envelopeFailure(.unauthorized, "Invalid credentials: check the Basic auth user and password.")
        }
        guard let job = await engine.job(workflowId: workflowId), job.runId == runId, !job.background else {
            return await failure(.notFound, "No export job with this workflowId and runId.")
        }
        // An eventually consistent job store: a new job is not found by its first status requests.
        if !download, await engine.isNotYetVisible(workflowId: job.workflowId) {
            return await failure(.notFound, "No export job with this workflowId and runId.")
        }
        let token = query.last { $0.name == "analyticsAccessToken" }?.value
        let companyKey = query.last { $0.name == "companyKey" }?.value
        // A raw "+" in the query decodes as a space; accept the token either way.
        let tokenOK = token.map { $0 == job.token || $0.replacingOccurrences(of: " ", with: "+") == job.token }
        guard tokenOK == true || companyKey == configuration.companyKey else {
            await engine.record { $0.authFailures += 1 }
            return envelopeFailure(.forbidden, "A valid analyticsAccessToken (or companyKey) is required.")
        }
        if !download, await engine.isTokenRefused(workflowId: job.workflowId) {
            await engine.record { $0.authFailures += 1 }
            return envelopeFailure(.forbidden, "The analyticsAccessToken is not valid for this job (simulated).")
        }
        let urls = jobURLs(job, base: base)
        // A stuck job (fault) reports RUNNING forever, whatever it did inside.
        let phase = job.stuck ? SimulatorEngine.Phase.waiting : job.phase
        if download {
            switch phase {
            case .closed(let detail, _, _) where detail == JobResult.completed:
                let link = await engine.issueLink(workflowId: job.workflowId)
                var headers = HTTPFields()
                let foreign = await engine.drawForeignRedirect() ? foreignBase(request) : nil
                headers[.location] = (foreign ?? base) + link
                return Response(status: .temporaryRedirect, headers: headers, body: ResponseBody())
            case .closed(_, let reason, _):
                return await failure(
                    .badRequest, "The export failed and has no file: \(reason ?? "no reason given"). Submit it again.")
            case .waiting, .running:
                return await failure(
                    .badRequest, "The export is not ready yet: poll its statusUrl until runnerState is CLOSED.")
            }
        }
        let result: JobResult
        var completed = false
        switch phase {
        case .running(let finishAt) where configuration.reportsRunning:
            let start = finishAt - job.durationMillis
            let now = await engine.now()
            let share = job.durationMillis > 0 ? Double(max(0, now - start)) / Double(job.durationMillis) : 1
            result = JobResult(
                runnerState: .running, reason: nil, detail: "", currentCount: Int64(Double(job.rows) * min(1, share)),
                totalCount: Int64(job.rows), lastAcknowledgeTime: start)
        case .waiting where configuration.reportsQueued && !job.stuck:
            result = JobResult(runnerState: RunnerState(rawValue: "QUEUED"), reason: nil, detail: "")
        case .waiting, .running:
            result = JobResult(runnerState: .running, reason: nil, detail: "")
        case .closed(let detail, let reason, _):
            completed = detail == JobResult.completed
            result = JobResult(runnerState: .closed, reason: reason, detail: detail)
        }
        let status = JobStatus(
            jobInfo: JobInfo(
                workflowId: job.workflowId, runId: job.runId, downloadUrl: completed ? urls.download : "",
                statusUrl: urls.status),
            result: result)
        return json(Envelope(result: StatusPayload(status, arrayForm: configuration.arrayStatusForm && !completed)))
    }

    /// Whether the request reached this server by the foreign origin's host name.
    private func isForeign(_ request: Request) -> Bool {
        guard let foreign = configuration.foreignBaseURL, let host = URL(string: foreign)?.host,
            let authority = request.head.authority
        else { return false }
        let requestHost = authority.split(separator: ":").first.map(String.init) ?? authority
        return requestHost.lowercased() == host.lowercased()
    }

    /// The foreign fault's host; without a port in it, this server's own port (so a test can name this server
    /// by another host name, e.g. `http://localhost`).
    private func foreignBase(_ request: Request) -> String? {
        guard let foreign = configuration.foreignBaseURL else { return nil }
        if URL(string: foreign)?.port != nil { return foreign }
        let authority = request.head.authority ?? fallbackAuthority
        guard let colon = authority.lastIndex(of: ":") else { return foreign }
        return foreign + authority[colon...]
    }

    // MARK: Listings

    private func jobsListing(query: [QueryItem], request: Request, base: String) async -> Response {
        let auth = await authorize(request, companyKey: query.last { $0.name == "companyKey" }?.value)
        if let response = auth.error { return response }
        let entries = await engine.recentJobs().filter { !$0.background }.map { job -> DeprecatedJobEntry in
            let download =
                "\(base)\(APIPaths.download(workflowId: job.workflowId, runId: job.runId))?companyKey="
                + PercentEncoding.encodeComponent(configuration.companyKey)
            switch job.phase {
            case .waiting, .running:
                return DeprecatedJobEntry(
                    jobInfo: .init(workflowId: job.workflowId, runId: job.runId, downloadUrl: nil),
                    result: .init(runnerState: "RUNNING", reason: nil, details: nil))
            case .closed(let detail, let reason, _):
                return DeprecatedJobEntry(
                    jobInfo: .init(workflowId: job.workflowId, runId: job.runId, downloadUrl: download),
                    result: .init(runnerState: "CLOSED", reason: reason, details: detail))
            }
        }
        return json(Envelope(result: entries))
    }

    private func teams(query: [QueryItem], request: Request) async -> Response {
        let auth = await authorize(request, companyKey: query.last { $0.name == "companyKey" }?.value)
        if let response = auth.error { return response }
        return json(Envelope(result: generator.company.teamListing))
    }

    private func timezones(query: [QueryItem], request: Request) async -> Response {
        let auth = await authorize(request, companyKey: query.last { $0.name == "companyKey" }?.value)
        if let response = auth.error { return response }
        let locale = query.last { $0.name == "locale" }?.value ?? "en"
        guard APILimits.locales.contains(locale) else {
            return await failure(.badRequest, "Unsupported locale '\(locale)'.")
        }
        let now = Date(timeIntervalSince1970: Double(await engine.now()) / 1000)
        return json(Envelope(result: TimezoneCatalog.listing(at: now, locale: locale)))
    }

    // MARK: Responses

    private func faultResponse(_ fault: SimulatorEngine.RequestFault) -> Response {
        switch fault {
        case .http5xx(let code):
            return envelopeFailure(
                HTTPResponse.Status(code: code), "Simulated server error (fault injection); retry the request.")
        case .http429:
            var response = envelopeFailure(
                .tooManyRequests, "Too many requests (simulated rate limit); retry after the Retry-After delay.")
            let seconds = Int((30 / configuration.timeScale).rounded())
            response.headers[.retryAfter] = String(max(0, seconds))
            return response
        case .reset:
            let body = Array(#"{"status":"PASS","request":null,"message":null,"result":{"workflowId":"#.utf8)
            var headers = HTTPFields()
            headers[.contentType] = "application/json"
            return Response(status: .ok, headers: headers, body: Self.cutShort(body + body, keep: body.count))
        case .garbage:
            var headers = HTTPFields()
            headers[.contentType] = "application/json"
            let body = "<html><body>502 Bad Gateway</body></html>\u{0}\u{FFFD}{\"status\":"
            return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(string: body)))
        case .envelope:
            // Valid JSON, but not the documented envelope: no status, the payload under another key.
            return json(["data": ["workflowId": "42"], "error": ["code": "UNEXPECTED"]])
        }
    }

    private func failure(_ status: HTTPResponse.Status, _ message: String) async -> Response {
        if status == .badRequest { await engine.record { $0.badRequests += 1 } }
        return envelopeFailure(status, message)
    }

    private func envelopeFailure(_ status: HTTPResponse.Status, _ message: String) -> Response {
        json(Envelope(status: Envelope<String>.fail, message: message, result: message), status: status)
    }

    private func json<T: Encodable>(_ value: T, status: HTTPResponse.Status = .ok) -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes, .sortedKeys]
        let data = (try? encoder.encode(value)) ?? Data(#"{"status":"FAIL"}"#.utf8)
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: data)))
    }
}

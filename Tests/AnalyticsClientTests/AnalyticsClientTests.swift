import AnalyticsAPI
import AnalyticsClient
import ExportTestSupport
import Foundation
import Testing

@Suite("AnalyticsClient against a scripted transport")
struct AnalyticsClientTests {
    let credentials = APICredentials(username: "api-user", password: "s3cret-pass")
    let request = ExportRequest(
        type: .incomingPost, startTime: 1_700_000_000_000, endTime: 1_700_086_400_000,
        selection: ExportSelection(filters: [.workqueues: [15, 21]]))

    func client(_ transport: ScriptedTransport, attempts: Int = 4) -> AnalyticsClient {
        AnalyticsClient(
            configuration: .init(
                baseURL: "https://api.test/api/public/", companyKey: "company-key-123",
                retry: RetryPolicy(maxAttempts: attempts, baseDelay: 1, maxDelay: 10)),
            transport: transport, clock: ScaledClock(scale: 1_000_000), random: { 0.5 })
    }

    static let submitBody = """
        {"status":"PASS","request":null,"message":null,"result":{"workflowId":"2951efa0-ea55-3a74-8a60-66ea888bb83d",\
        "runId":"23ab+c/d=","downloadUrl":"","statusUrl":"https://api.test/api/public/reports/report/2951efa0-ea55-3a74-8a60-66ea888bb83d/23ab%2Bc%2Fd%3D/status?analyticsAccessToken=tok%3D%3D"}}
        """

    static func statusBody(state: String, detail: String, reason: String? = nil, array: Bool = false) -> String {
        let reasonJSON = reason.map { "\"\($0)\"" } ?? "null"
        let inner = """
            {"jobInfo":{"workflowId":"w","runId":"23r=","downloadUrl":"\(detail == "COMPLETED" ? "https://api.test/dl?analyticsAccessToken=t" : "")",\
            "statusUrl":"https://api.test/st"},"result":{"runnerState":"\(state)","reason":\(reasonJSON),"detail":"\(detail)",\
            "currentCount":null,"totalCount":null,"lastAcknowledgeTime":null}}
            """
        return "{\"status\":\"PASS\",\"request\":null,\"message\":null,\"result\":\(array ? "[\(inner)]" : inner)}"
    }

    @Test func submitSendsTheCatalogEncodingAndBasicAuth() async throws {
        let transport = ScriptedTransport { _, _ in .response(status: 200, body: Self.submitBody) }
        let job = try await client(transport).submit(request, as: credentials)
        #expect(job.workflowId == "2951efa0-ea55-3a74-8a60-66ea888bb83d")
        #expect(job.runId == "23ab+c/d=")
        #expect(job.statusURL.hasSuffix("/23ab%2Bc%2Fd%3D/status?analyticsAccessToken=tok%3D%3D"))
        #expect(job.downloadURL == nil)
        let sent = try #require(transport.requests.first)
        #expect(sent.method == "POST")
        #expect(
            sent.url
                == "https://api.test/api/public/reports/report/incoming_post?companyKey=company-key-123"
                + "&startTime=1700000000000&endTime=1700086400000&reportFormat=csv&workqueueIds=15%2C21")
        let auth = sent.headers.first { $0.name == "Authorization" }?.value
        #expect(auth == "Basic " + Data("api-user:s3cret-pass".utf8).base64EncodedString())
    }

    @Test(arguments: [false, true])
    func statusAcceptsObjectAndArrayForms(array: Bool) async throws {
        let transport = ScriptedTransport { _, index in
            index == 0
                ? .response(status: 200, body: Self.statusBody(state: "RUNNING", detail: "", array: array))
                : .response(status: 200, body: Self.statusBody(state: "CLOSED", detail: "COMPLETED"))
        }
        let job = SubmittedJob(workflowId: "w", runId: "23r=", statusURL: "https://api.test/st", downloadURL: nil)
        let running = try await client(transport).status(of: job, as: credentials)
        #expect(running.outcome == .inFlight)
        let done = try await client(transport).status(of: job, as: credentials)
        #expect(done.outcome == .completed)
        #expect(done.jobInfo.downloadUrl == "https://api.test/dl?analyticsAccessToken=t")
    }

    @Test func queueRejectionIsNotAFailure() async throws {
        let body = Self.statusBody(
            state: "CLOSED", detail: "FAILED", reason: APILimits.tooManyExportsReason, array: true)
        let transport = ScriptedTransport { _, _ in .response(status: 200, body: body) }
        let job = SubmittedJob(workflowId: "w", runId: "23r=", statusURL: "https://api.test/st", downloadURL: nil)
        let status = try await client(transport).status(of: job, as: credentials)
        #expect(status.outcome == .rejectedByQueue)
        let failed = Self.statusBody(state: "CLOSED", detail: "FAILED", reason: "Export timed out")
        let transport2 = ScriptedTransport { _, _ in .response(status: 200, body: failed) }
        let status2 = try await client(transport2).status(of: job, as: credentials)
        #expect(status2.outcome == .failed(reason: "Export timed out", detail: "FAILED"))
    }

    @Test func retries429And5xxHonouringRetryAfter() async throws {
        let transport = ScriptedTransport { _, index in
            switch index {
            case 0: .response(status: 429, headers: [("Retry-After", "3")], body: "slow down")
            case 1: .response(status: 429, body: "")
            default: .response(status: 200, body: Self.submitBody)
            }
        }
        let job = try await client(transport).submit(request, as: credentials)
        #expect(job.runId == "23ab+c/d=")
        #expect(transport.requests.count == 3)
        // A status (idempotent) is retried after a 5xx too.
        let flaky = ScriptedTransport { _, index in
            index == 0
                ? .response(status: 503, body: "")
                : .response(status: 200, body: Self.statusBody(state: "RUNNING", detail: ""))
        }
        let handle = SubmittedJob(workflowId: "w", runId: "r", statusURL: "https://api.test/st", downloadURL: nil)
        _ = try await client(flaky).status(of: handle, as: credentials)
        #expect(flaky.requests.count == 2)
        // The delays: Retry-After wins; otherwise full jitter under an exponential ceiling.
        let policy = RetryPolicy(maxAttempts: 6, baseDelay: 1, maxDelay: 10)
        #expect(policy.delay(afterAttempt: 1, retryAfter: 3, random: 0.9) == 3)
        #expect(policy.delay(afterAttempt: 1, retryAfter: 60, random: 0.9) == 10)
        #expect(policy.delay(afterAttempt: 3, retryAfter: nil, random: 0.5) == 2)
        #expect(policy.delay(afterAttempt: 10, retryAfter: nil, random: 1) == 10)
        #expect(policy.delay(afterAttempt: 2, retryAfter: nil, random: 0) == 0.2)
    }

    @Test func givesUpAfterTheAttemptBudget() async throws {
        let transport = ScriptedTransport { _, _ in .response(status: 502, body: "bad gateway") }
        await #expect(throws: AnalyticsClientError.server("bad gateway", status: 502)) {
            _ = try await client(transport, attempts: 3).teams(as: credentials)
        }
        #expect(transport.requests.count == 3)
    }

    @Test func unauthorizedStopsTheRunAndNeverPrintsSecrets() async throws {
        let transport = ScriptedTransport { _, _ in
            .response(
                status: 401,
                body: #"{"status":"FAIL","request":null,"message":"bad credentials for s3cret-pass","result":"x"}"#)
        }
        do {
            _ = try await client(transport).submit(request, as: credentials)
            Issue.record("expected an error")
        } catch let error as AnalyticsClientError {
            #expect(error.stopsRun)
            #expect(!error.description.contains("s3cret-pass"))
            #expect(!error.description.contains("company-key-123"))
            #expect(error.description.contains("bad credentials for <redacted>"))
        }
    }

    @Test func badRequestCarriesTheServerMessage() async throws {
        let transport = ScriptedTransport { _, _ in
            .response(
                status: 400,
                body: #"{"status":"FAIL","request":null,"message":"Only one smart view ID can be passed","result":"x"}"#
            )
        }
        await #expect(throws: AnalyticsClientError.badRequest("HTTP 400: Only one smart view ID can be passed")) {
            _ = try await client(transport).submit(request, as: credentials)
        }
        #expect(transport.requests.count == 1)
    }

    @Test func aLostSubmitAnswerIsReportedAsUnknownNotRetried() async throws {
        let transport = ScriptedTransport { _, _ in .failure(TransportError(.interrupted, "connection reset")) }
        do {
            _ = try await client(transport).submit(request, as: credentials)
            Issue.record("expected an error")
        } catch let error as AnalyticsClientError {
            #expect(error.mayHaveCreatedJob)
        }
        #expect(transport.requests.count == 1)
        // A connect failure sent nothing, so it is retried.
        let refused = ScriptedTransport { _, index in
            index == 0 ? .failure(TransportError(.connect, "refused")) : .response(status: 200, body: Self.submitBody)
        }
        _ = try await client(refused).submit(request, as: credentials)
        #expect(refused.requests.count == 2)
    }

    @Test(arguments: [502, 504])
    func aGatewayErrorOnSubmitIsAnUnknownOutcomeNotARetry(status: Int) async throws {
        let transport = ScriptedTransport { _, _ in .response(status: status, body: "<html>Bad Gateway</html>") }
        do {
            _ = try await client(transport).submit(request, as: credentials)
            Issue.record("expected an error")
        } catch let error as AnalyticsClientError {
            #expect(error.mayHaveCreatedJob)
        }
        #expect(transport.requests.count == 1)
        // A 200 that does not decode may have created a job as well.
        let garbage = ScriptedTransport { _, _ in .response(status: 200, body: "<html>oops</html>") }
        do {
            _ = try await client(garbage).submit(request, as: credentials)
            Issue.record("expected an error")
        } catch let error as AnalyticsClientError {
            #expect(error.mayHaveCreatedJob)
        }
    }

    @Test func aRefusedJobTokenIsThatJobsProblemAndCredentialsStayOnTheirOrigin() async throws {
        let transport = ScriptedTransport { request, _ in
            request.url.hasPrefix("https://api.test/")
                ? .response(status: 403, body: #"{"status":"FAIL","message":"bad token","result":"x"}"#)
                : .response(status: 200, body: Self.statusBody(state: "RUNNING", detail: ""))
        }
        let own = SubmittedJob(workflowId: "w", runId: "r", statusURL: "https://api.test/st?t=1", downloadURL: nil)
        do {
            _ = try await client(transport).status(of: own, as: credentials)
            Issue.record("expected an error")
        } catch let error as AnalyticsClientError {
            #expect(error.isJobLevel)
            #expect(!error.stopsRun)
        }
        // Another origin (or the same host on plain http) gets no Authorization header.
        for url in ["https://elsewhere.test/st", "http://api.test/st", "https://api.test:8443/st"] {
            let job = SubmittedJob(workflowId: "w", runId: "r", statusURL: url, downloadURL: nil)
            _ = try await client(transport).status(of: job, as: credentials)
            let sent = try #require(transport.requests.last)
            #expect(!sent.headers.contains { $0.name == "Authorization" }, "\(url)")
        }
    }

    @Test func downloadFollowsTheRedirectWithoutCredentialsAndRefreshesExpiredLinks() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(UUID().uuidString)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("chunk.csv").path
        let csv = "a,b\r\n1,2\r\n"
        let transport = ScriptedTransport { request, index in
            switch index {
            case 0, 2, 4: .response(status: 307, headers: [("Location", "https://files.other-host.test/f?sig=abc")])
            case 1: .response(status: 403, body: "expired")
            case 3: .response(status: 200, headers: [("Content-Length", "100")], body: csv)  // cut short
            default: .response(status: 200, headers: [("Content-Length", "\(csv.utf8.count)")], body: csv)
            }
        }
        let result = try await client(transport).download(
            from: "https://api.test/dl?analyticsAccessToken=t", to: path, as: credentials)
        #expect(result.bytes == Int64(csv.utf8.count))
        #expect(result.refreshes == 2)
        #expect(try String(contentsOfFile: path, encoding: .utf8) == csv)
        for (index, sent) in transport.requests.enumerated() {
            let hasAuth = sent.headers.contains { $0.name == "Authorization" }
            #expect(hasAuth == (index % 2 == 0), "request \(index) to \(sent.url)")
            if index % 2 == 1 { #expect(sent.url == "https://files.other-host.test/f?sig=abc") }
        }
    }

    @Test func aChainOfRedirectsIsFollowedRelativeOrNotAndWithoutCredentialsUpToFive() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(UUID().uuidString)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("chunk.csv").path
        let csv = "a,b\r\n1,2\r\n"
        let chain = ScriptedTransport { request, index in
            switch index {
            case 0: .response(status: 307, headers: [("Location", "https://cdn.test/a/f?sig=1")])
            case 1: .response(status: 302, headers: [("Location", "../b/f?sig=2")])
            case 2: .response(status: 301, headers: [("Location", "https://store.test/f?sig=3")])
            default: .response(status: 200, headers: [("Content-Length", "\(csv.utf8.count)")], body: csv)
            }
        }
        _ = try await client(chain).download(
            from: "https://api.test/dl?analyticsAccessToken=t", to: path, as: credentials)
        #expect(try String(contentsOfFile: path, encoding: .utf8) == csv)
        #expect(
            chain.requests.map(\.url) == [
                "https://api.test/dl?analyticsAccessToken=t", "https://cdn.test/a/f?sig=1",
                "https://cdn.test/b/f?sig=2",
                "https://store.test/f?sig=3",
            ])
        #expect(chain.requests.dropFirst().allSatisfy { !$0.headers.contains { $0.name == "Authorization" } })
        // A loop: a clear error after five redirects, not an endless download.
        let loop = ScriptedTransport { _, _ in .response(status: 302, headers: [("Location", "https://cdn.test/f")]) }
        await #expect {
            _ = try await client(loop).download(from: "https://api.test/dl", to: path, as: credentials)
        } throws: { error in
            "\(error)".contains("redirected more than 5 times")
        }
        #expect(loop.requests.count == 6)
    }

    @Test func redactionHidesTokensKeysAndSignedQueries() {
        let text =
            "GET http://h/api/public/reports/report/w/r/status?analyticsAccessToken=abc%3D%3D&x=1 "
            + "and https://s3/f?X-Amz-Signature=deadbeef&sig=zzz&expires=123 companyKey=K1 password hunter22"
        let redacted = Redaction.redact(text, extraSecrets: ["hunter22"])
        #expect(!redacted.contains("abc%3D%3D"))
        #expect(!redacted.contains("deadbeef"))
        #expect(!redacted.contains("zzz"))
        #expect(!redacted.contains("K1"))
        #expect(!redacted.contains("hunter22"))
        #expect(redacted.contains("analyticsAccessToken=<redacted>&x=1"))
        #expect(redacted.contains("companyKey=<redacted>"))
        // Text redacted twice (an error message quoting a redacted URL) reads the same, not `<redacted>>`.
        #expect(Redaction.redact(redacted, extraSecrets: ["hunter22"]) == redacted)
    }
}

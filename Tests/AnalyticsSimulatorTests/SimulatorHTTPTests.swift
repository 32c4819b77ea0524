import AnalyticsAPI
import AnalyticsSimulator
import ExportTestSupport
import Foundation
import Testing

/// Starts a simulator whose API clock moves only when the test advances it (1 API second per step second).
private func manualSimulator(
    _ clock: ManualClock, configure: (inout SimulatorConfiguration) -> Void = { _ in }
) -> SimulatorConfiguration {
    var configuration = SimulatorConfiguration(
        seed: 42, timeScale: 1, startEpochMillis: Fixtures.monday + 30 * Fixtures.day, clock: .manual(clock))
    configure(&configuration)
    return configuration
}

private func submit(
    _ sim: RunningSimulator, _ type: ExportType = .response, items: [QueryItem]? = nil,
    user: (String, String) = TestHTTP.demo
) async throws -> JobInfo {
    let request = Fixtures.request(type, hours: 2)
    let reply = try await TestHTTP.request(
        Fixtures.submitURL(sim.baseURL, type, items ?? request.queryItems), method: .POST, credentials: user)
    guard reply.status == 200 else { throw TestFailure("submit answered \(reply.status): \(reply.text)") }
    return try reply.decode(Envelope<JobInfo>.self).result
}

private func status(_ url: String?) async throws -> (JobStatus, StatusPayload) {
    let reply = try await TestHTTP.request(try #require(url), credentials: nil)
    guard reply.status == 200 else { throw TestFailure("status answered \(reply.status): \(reply.text)") }
    let payload = try reply.decode(Envelope<StatusPayload>.self).result
    return (payload.status, payload)
}

@Suite("Simulator over HTTP")
struct SimulatorHTTPTests {
    @Test("submit → status → 307 → signed file without credentials gives the generator's bytes")
    func fullCycle() async throws {
        let clock = ManualClock()
        try await SimulatorHarness.withSimulator(manualSimulator(clock)) { sim in
            let request = Fixtures.request(.response, hours: 2, timezone: "America/New_York")
            let reply = try await TestHTTP.request(
                Fixtures.submitURL(sim.baseURL, .response, request.queryItems), method: .POST)
            #expect(reply.status == 200)
            let raw = try reply.json()
            #expect(raw["status"] as? String == "PASS")
            #expect(raw.keys.contains("request") && raw["request"] is NSNull)
            let job = try reply.decode(Envelope<JobInfo>.self).result
            #expect(
                job.workflowId.range(
                    of: #"^[0-9a-f]{8}-[0-9a-f]{4}-3[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$"#,
                    options: .regularExpression) != nil)
            #expect(job.runId.hasPrefix("23"))
            #expect(job.runId.contains("+") && job.runId.contains("/") && job.runId.hasSuffix("="))
            let statusURL = try #require(job.statusUrl)
            #expect(statusURL.hasPrefix(sim.baseURL + APIPaths.status(workflowId: job.workflowId, runId: job.runId)))
            #expect(
                statusURL.contains("%2B") && statusURL.contains("%2F") && statusURL.contains("analyticsAccessToken="))

            let (running, _) = try await status(job.statusUrl)
            #expect(running.result.runnerState == .running && running.result.detail == "")
            #expect(running.jobInfo.downloadUrl == "")
            let early = try await TestHTTP.request(try #require(job.downloadUrl), credentials: nil)
            #expect(early.status == 400)
            #expect(try early.json()["status"] as? String == "FAIL")

            clock.advance(by: 3_600)
            let (done, payload) = try await status(job.statusUrl)
            #expect(done.outcome == .completed && !payload.isArrayForm)
            #expect(done.jobInfo.downloadUrl == job.downloadUrl)

            let redirect = try await TestHTTP.request(try #require(done.jobInfo.downloadUrl), credentials: nil)
            #expect(redirect.status == 307)
            let location = try #require(redirect.header("Location"))
            #expect(
                location.hasPrefix(sim.baseURL + "/files/") && location.contains("sig=")
                    && location.contains("expires="))
            let file = try await TestHTTP.request(location, credentials: nil)
            #expect(file.status == 200)
            #expect(file.header("Content-Type")?.hasPrefix("text/csv") == true)
            #expect(file.body == (try ExportDataGenerator(seed: 42).csv(for: request)))
            let withAuth = try await TestHTTP.request(location)
            #expect(withAuth.status == 400)

            let stats = await sim.stats()
            #expect(stats.users.submissions == 1 && stats.users.completed == 1)
            #expect(stats.statusRequests == 2 && stats.downloadRequests == 2)
            #expect(stats.users.runSeconds > CostModel.baseSeconds - 0.01)
        }
    }

    @Test("parameters from a form body or a JSON body give the same export as the query string")
    func bodies() async throws {
        let clock = ManualClock()
        try await SimulatorHarness.withSimulator(manualSimulator(clock)) { sim in
            let start = Fixtures.monday
            let end = start + 2 * Fixtures.hour
            let url = Fixtures.submitURL(sim.baseURL, .user, [])
            let form = try await TestHTTP.request(
                url, method: .POST,
                body:
                    "startTime=\(start)&endTime=\(end)&reportFormat=CSV&teamId=\(SyntheticCompany(seed: 42).teams[0].id)",
                contentType: "application/x-www-form-urlencoded")
            let json = try await TestHTTP.request(
                url, method: .POST,
                body:
                    #"{"startTime":\#(start),"endTime":"\#(end)","reportFormat":"csv","teamId":[\#(SyntheticCompany(seed: 42).teams[0].id)]}"#,
                contentType: "application/json")
            #expect(form.status == 200 && json.status == 200)
            clock.advance(by: 3_600)
            var files: [[UInt8]] = []
            for reply in [form, json] {
                let job = try reply.decode(Envelope<JobInfo>.self).result
                let redirect = try await TestHTTP.request(try #require(job.downloadUrl), credentials: nil)
                let file = try await TestHTTP.request(try #require(redirect.header("Location")), credentials: nil)
                files.append(file.body)
            }
            #expect(files[0] == files[1])
            #expect(
                CSVTestParser.parse(files[0]).count == 1
                    + SyntheticCompany(seed: 42).agents.filter {
                        $0.teamID == SyntheticCompany(seed: 42).teams[0].id && $0.enabled
                    }.count)
        }
    }

    @Test("JSON is the default format; timezoneOffset formats times with a fixed offset")
    func jsonAndOffset() async throws {
        let clock = ManualClock()
        try await SimulatorHarness.withSimulator(manualSimulator(clock)) { sim in
            let request = Fixtures.request(.rawExpertHelp, hours: 5)
            let items = [
                QueryItem("startTime", "\(request.startTime)"), QueryItem("endTime", "\(request.endTime)"),
                QueryItem("timezoneOffset", "-21600000"),
            ]
            let job = try await submit(sim, .rawExpertHelp, items: items)
            clock.advance(by: 3_600)
            let redirect = try await TestHTTP.request(try #require(job.downloadUrl), credentials: nil)
            let file = try await TestHTTP.request(try #require(redirect.header("Location")), credentials: nil)
            #expect(file.header("Content-Type") == "application/json")
            let expected = try ExportDataGenerator(seed: 42).json(for: request, timezoneOffsetMillis: -21_600_000)
            #expect(file.body == expected)
            #expect(file.text.contains("-06:00"))
        }
    }

    @Test("queue limits: 2 running and 5 queued per user; the 6th is accepted and closed with the documented reason")
    func userLimits() async throws {
        let clock = ManualClock()
        try await SimulatorHarness.withSimulator(manualSimulator(clock)) { sim in
            var jobs: [JobInfo] = []
            for _ in 0..<7 { jobs.append(try await submit(sim)) }
            for job in jobs.prefix(5) {
                #expect(try await status(job.statusUrl).0.result.runnerState == .running)
            }
            for job in jobs.suffix(2) {
                let (rejected, _) = try await status(job.statusUrl)
                #expect(rejected.result.runnerState == .closed)
                #expect(rejected.result.detail == JobResult.failed)
                #expect(rejected.result.reason == "User is attempting to run too many exports.")
                #expect(rejected.outcome == .rejectedByQueue)
            }
            let stats = await sim.stats()
            #expect(stats.maxRunningPerUser["demo"] == 2 && stats.maxQueuedPerUser["demo"] == 5)
            #expect(stats.users.rejectedUserQueue == 2 && stats.users.accepted == 5)

            // Equal jobs: after one duration the first two are done and the next two run (FIFO).
            let rows = ExportDataGenerator(seed: 42).rowCount(for: Fixtures.request(.response, hours: 2))
            let duration = CostModel.seconds(for: .response, rows: rows)
            clock.advance(by: duration + 0.01)
            var states = [RunnerState]()
            for job in jobs.prefix(5) { states.append(try await status(job.statusUrl).0.result.runnerState) }
            #expect(states == [.closed, .closed, .running, .running, .running])
            clock.advance(by: duration)
            states = []
            for job in jobs.prefix(5) { states.append(try await status(job.statusUrl).0.result.runnerState) }
            #expect(states == [.closed, .closed, .closed, .closed, .running])
            #expect(await sim.stats().maxRunningPerUser["demo"] == 2)
        }
    }

    @Test("company limits: at most 4 running across users; the company queue rejects past its size")
    func companyLimits() async throws {
        let clock = ManualClock()
        let users = ["a": "pa", "b": "pb", "c": "pc"]
        let config = manualSimulator(clock) {
            $0.users = users
            $0.limits = QueueLimits(runningPerUser: 2, queuedPerUser: 5, runningPerCompany: 4, queuedPerCompany: 8)
        }
        try await SimulatorHarness.withSimulator(config) { sim in
            var last: JobInfo?
            for (user, count) in [("a", 3), ("b", 3), ("c", 3)] {
                for _ in 0..<count { last = try await submit(sim, user: (user, users[user]!)) }
            }
            let (rejected, _) = try await status(last?.statusUrl)
            #expect(rejected.outcome == .rejectedByQueue)
            let stats = await sim.stats()
            #expect(stats.maxRunningCompany == 4 && stats.maxQueuedCompany == 8)
            #expect(stats.users.rejectedCompanyQueue == 1)
            #expect(stats.maxRunningPerUser.values.allSatisfy { $0 <= 2 })
        }
    }

    @Test("the array form of result for statuses that are not complete, the object form once completed")
    func arrayStatusForm() async throws {
        let clock = ManualClock()
        try await SimulatorHarness.withSimulator(manualSimulator(clock) { $0.arrayStatusForm = true }) { sim in
            let job = try await submit(sim)
            let raw = try await TestHTTP.request(try #require(job.statusUrl), credentials: nil).json()
            #expect(raw["result"] is [Any])
            #expect(try await status(job.statusUrl).1.isArrayForm)
            clock.advance(by: 3_600)
            let (done, payload) = try await status(job.statusUrl)
            #expect(done.outcome == .completed && !payload.isArrayForm)
        }
    }

    @Test("signed links expire (403) in API time; a fresh /download gives a fresh link")
    func linkExpiry() async throws {
        let clock = ManualClock()
        try await SimulatorHarness.withSimulator(manualSimulator(clock) { $0.signedURLLifetime = 60 }) { sim in
            let job = try await submit(sim)
            clock.advance(by: 3_600)
            let first = try await TestHTTP.request(try #require(job.downloadUrl), credentials: nil)
            let location = try #require(first.header("Location"))
            clock.advance(by: 61)
            let expired = try await TestHTTP.request(location, credentials: nil)
            #expect(expired.status == 403 && expired.text.contains("expired"))
            let again = try await TestHTTP.request(try #require(job.downloadUrl), credentials: nil)
            let fresh = try #require(again.header("Location"))
            #expect(fresh != location)
            #expect(try await TestHTTP.request(fresh, credentials: nil).status == 200)
            let forged = try await TestHTTP.request(
                fresh.replacingOccurrences(of: "sig=", with: "sig=0"), credentials: nil)
            #expect(forged.status == 403)
        }
    }

    @Test("credentials: 401 for missing or wrong Basic auth, 403 for a wrong company key or token")
    func authentication() async throws {
        try await SimulatorHarness.withSimulator { sim in
            let teams = sim.baseURL + APIPaths.teams + "?companyKey=demo-company"
            #expect(try await TestHTTP.request(teams).status == 200)
            let none = try await TestHTTP.request(teams, credentials: nil)
            #expect(none.status == 401 && none.header("WWW-Authenticate") != nil)
            #expect(try none.json()["status"] as? String == "FAIL")
            #expect(try await TestHTTP.request(teams, credentials: ("demo", "wrong")).status == 401)
            #expect(try await TestHTTP.request(teams, credentials: ("nobody", "demo-password")).status == 401)
            let wrongKey = sim.baseURL + APIPaths.teams + "?companyKey=other"
            #expect(try await TestHTTP.request(wrongKey).status == 403)
            #expect(try await TestHTTP.request(sim.baseURL + APIPaths.teams).status == 400)

            let job = try await submit(sim)
            let statusURL = try #require(job.statusUrl)
            let base = String(statusURL.prefix { $0 != "?" })
            #expect(try await TestHTTP.request(base + "?analyticsAccessToken=nope", credentials: nil).status == 403)
            #expect(try await TestHTTP.request(base, credentials: nil).status == 403)
            #expect(try await TestHTTP.request(base + "?companyKey=demo-company", credentials: nil).status == 200)
            #expect(try await TestHTTP.request(statusURL, credentials: ("demo", "bad")).status == 401)
            #expect(try await TestHTTP.request(statusURL).status == 200)
            let stats = await sim.stats()
            #expect(stats.authFailures >= 6)
        }
    }

    @Test("bad parameters answer 400 with a FAIL envelope and a message")
    func badRequests() async throws {
        var config = SimulatorHarness.fastConfiguration()
        config.faults = .none
        try await SimulatorHarness.withSimulator(config) { sim in
            let s = Fixtures.monday
            let e = s + Fixtures.day
            let window = [QueryItem("startTime", "\(s)"), QueryItem("endTime", "\(e)")]
            let cases: [(ExportType?, String, [QueryItem], String)] = [
                (nil, "nonsense", window, "Unknown export"),
                (.response, "", window + [QueryItem("teamIds", "1")], "Unknown parameter 'teamIds'"),
                (
                    .response, "", window + [QueryItem("smartViewId", "100"), QueryItem("smartViewId", "103")],
                    "one smart view"
                ),
                (.response, "", window + [QueryItem("smartViewId", "100,103")], "one smart view"),
                (.response, "", window + [QueryItem("priorities", "1,7")], "priorities"),
                (.response, "", window + [QueryItem("workqueueIds", "a,b")], "workqueueIds"),
                (.conversation, "", window + [QueryItem("conversationReportType", "ALL")], "conversationReportType"),
                (.teamPerformanceInterval, "", window + [QueryItem("timeInterval", "123")], "timeInterval"),
                (
                    .teamPerformanceInterval, "", window + [QueryItem("timeInterval", "300000")],
                    "Too many buckets (288)"
                ),
                (.teamPerformanceInterval, "", window, "timeInterval is required"),
                (
                    .response, "", [QueryItem("startTime", "\(s)"), QueryItem("endTime", "\(s + 100 * Fixtures.day)")],
                    "3 months"
                ),
                (.response, "", [QueryItem("startTime", "\(e)"), QueryItem("endTime", "\(s)")], "before endTime"),
                (.response, "", [QueryItem("startTime", "\(s)")], "required"),
                (.response, "", window + [QueryItem("reportFormat", "xml")], "reportFormat"),
                (.response, "", window + [QueryItem("timezone", "Mars/Olympus")], "timezone"),
                (.response, "", window + [QueryItem("reportMetrics", "nope")], "reportMetrics"),
                (.response, "", window + [QueryItem("businessHourType", "true")], "enableBusinessHour"),
            ]
            for (type, path, items, fragment) in cases {
                let url =
                    type.map { Fixtures.submitURL(sim.baseURL, $0, items) }
                    ?? sim.baseURL + "/api/public/reports/report/\(path)?companyKey=demo-company&"
                    + PercentEncoding.encodeQuery(items)
                let reply = try await TestHTTP.request(url, method: .POST)
                #expect(reply.status == 400, "\(fragment)")
                let body = try reply.json()
                #expect(body["status"] as? String == "FAIL")
                #expect((body["message"] as? String)?.contains(fragment) == true, "\(fragment): \(reply.text)")
                #expect(body["result"] as? String == body["message"] as? String)
            }
            #expect(await sim.stats().badRequests == cases.count)
            #expect(await sim.stats().users.submissions == 0)
        }
    }

    @Test("with the accept-and-fail policy an over-long window is accepted and closed FAILED")
    func overRangeAcceptAndFail() async throws {
        var config = SimulatorHarness.fastConfiguration()
        config.overRangePolicy = .acceptAndFail
        try await SimulatorHarness.withSimulator(config) { sim in
            let items = [
                QueryItem("startTime", "\(Fixtures.monday)"),
                QueryItem("endTime", "\(Fixtures.monday + 95 * Fixtures.day)"),
            ]
            let job = try await submit(sim, items: items)
            let (closed, _) = try await status(job.statusUrl)
            #expect(closed.result.runnerState == .closed && closed.result.detail == JobResult.failed)
            #expect(closed.result.reason?.contains("3 months") == true)
        }
    }

    @Test("a job over --max-export-rows fails with a timeout reason")
    func maxRows() async throws {
        let clock = ManualClock()
        try await SimulatorHarness.withSimulator(manualSimulator(clock) { $0.maxExportRows = 10 }) { sim in
            let job = try await submit(sim)
            clock.advance(by: 3_600)
            let (failed, _) = try await status(job.statusUrl)
            #expect(failed.result.detail == JobResult.failed)
            #expect(failed.result.reason?.contains("timed out") == true)
            #expect(await sim.stats().users.failed == 1)
        }
    }

    @Test("listings: deprecated jobs (details spelling), teams, timezones, stats")
    func listings() async throws {
        let clock = ManualClock()
        try await SimulatorHarness.withSimulator(manualSimulator(clock)) { sim in
            let done = try await submit(sim)
            clock.advance(by: 3_600)
            _ = try await submit(sim)
            let jobs = try await TestHTTP.request(sim.baseURL + APIPaths.jobs + "?companyKey=demo-company").json()
            let entries = try #require(jobs["result"] as? [[String: [String: Any]]])
            #expect(entries.count == 2)
            #expect(entries[0]["jobInfo"]?["workflowId"] as? String == done.workflowId)
            #expect(entries[0]["jobInfo"]?["downloadUrl"] is String)
            #expect(entries[0]["result"]?["details"] as? String == "COMPLETED")
            #expect(entries[0]["result"]?.keys.contains("detail") == false)
            #expect(entries[1]["jobInfo"]?.keys.contains("downloadUrl") == false)
            #expect(entries[1]["result"]?["runnerState"] as? String == "RUNNING")

            let teams = try await TestHTTP.request(sim.baseURL + APIPaths.teams + "?companyKey=demo-company")
                .decode(Envelope<[TeamInfo]>.self).result
            #expect(teams == SyntheticCompany(seed: 42).teamListing)
            let zones = try await TestHTTP.request(
                sim.baseURL + APIPaths.timezones + "?companyKey=demo-company&locale=en"
            ).decode(Envelope<[TimezoneInfo]>.self).result
            #expect(
                zones.contains { $0.id == "America/New_York" && [-14_400_000, -18_000_000].contains($0.offsetMillis) })

            let stats = try await TestHTTP.request(sim.baseURL + "/_sim/stats", credentials: nil)
                .decode(SimulatorStats.self)
            #expect(stats.users.submissions == 2 && stats.users.completed == 1)
        }
    }
}

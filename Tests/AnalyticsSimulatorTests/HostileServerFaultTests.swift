import AnalyticsAPI
import AnalyticsSimulator
import ExportTestSupport
import Foundation
import Testing

/// The hostile-server faults: garbage bodies, wrong envelopes, statuses that never close, foreign redirects.
@Suite("Hostile-server faults")
struct HostileServerFaultTests {
    private func configuration(_ faults: String, clock: ManualClock, foreign: String? = nil) throws
        -> SimulatorConfiguration
    {
        var config = SimulatorHarness.fastConfiguration(faults: try FaultConfiguration(parsing: faults))
        config.clock = .manual(clock)
        config.timeScale = 1
        config.foreignBaseURL = foreign
        return config
    }

    private func submitURL(_ sim: RunningSimulator) -> String {
        Fixtures.submitURL(sim.baseURL, .response, Fixtures.request(.response, hours: 1).queryItems)
    }

    private func teamsURL(_ sim: RunningSimulator) -> String {
        sim.baseURL + APIPaths.teams + "?companyKey=demo-company"
    }

    @Test("the new faults parse, and request faults may not add up to more than 1")
    func parsing() throws {
        let faults = try FaultConfiguration(parsing: "garbage=0.1,envelope=0.2,stuck=0.3,foreign=0.4")
        #expect(faults.garbage == 0.1 && faults.envelope == 0.2 && faults.stuck == 0.3 && faults.foreign == 0.4)
        #expect(throws: FaultConfigurationError.self) { try FaultConfiguration(parsing: "garbage=0.6,http5xx=0.5") }
        #expect(throws: FaultConfigurationError.self) { try FaultConfiguration(parsing: "stuck=2") }
    }

    @Test("refuse400: submits overlapping the window (of the named export) are refused with 400, every time")
    func refuse400() async throws {
        // Inside the first hour of Monday, which `submitURL` asks for.
        let start = Fixtures.monday + Fixtures.hour / 2
        let faults = "refuse400=response:\(start)-\(start + 1)"
        #expect(
            try FaultConfiguration(parsing: faults).refuse400
                == .init(export: "response", start: start, end: start + 1))
        #expect(throws: FaultConfigurationError.self) { try FaultConfiguration(parsing: "refuse400=5-5") }
        #expect(throws: FaultConfigurationError.self) { try FaultConfiguration(parsing: "refuse400=a:1") }
        try await SimulatorHarness.withSimulator(try configuration(faults, clock: ManualClock())) { sim in
            for _ in 0..<2 {
                let reply = try await TestHTTP.request(submitURL(sim), method: .POST)
                #expect(reply.status == 400)
                #expect(try reply.json()["status"] as? String == "FAIL")
            }
            let later = Fixtures.request(.response, from: start + Fixtures.hour, hours: 1)
            let accepted = try await TestHTTP.request(
                Fixtures.submitURL(sim.baseURL, .response, later.queryItems), method: .POST)
            #expect(accepted.status == 200, "a window that does not overlap is accepted")
            let other = Fixtures.request(.incomingPost, hours: 6)
            let otherExport = try await TestHTTP.request(
                Fixtures.submitURL(sim.baseURL, .incomingPost, other.queryItems), method: .POST)
            #expect(otherExport.status == 200, "another export's submit is accepted")
            let stats = await sim.stats()
            #expect(stats.faults["refuse400"] == 2 && stats.users.submissions == 2)
        }
    }

    @Test("garbage: 200 with a body that is not JSON, before any effect")
    func garbage() async throws {
        try await SimulatorHarness.withSimulator(try configuration("garbage=1", clock: ManualClock())) { sim in
            let reply = try await TestHTTP.request(submitURL(sim), method: .POST)
            #expect(reply.status == 200)
            #expect((try? JSONSerialization.jsonObject(with: Data(reply.body))) == nil)
            let stats = await sim.stats()
            #expect(stats.users.submissions == 0 && stats.faults["garbage"] == 1)
        }
    }

    @Test("envelope: 200 with JSON that is not the documented envelope, before any effect")
    func envelope() async throws {
        try await SimulatorHarness.withSimulator(try configuration("envelope=1", clock: ManualClock())) { sim in
            let reply = try await TestHTTP.request(teamsURL(sim))
            #expect(reply.status == 200)
            #expect(try reply.json()["status"] == nil)
            #expect((try? reply.decode(Envelope<JobInfo>.self)) == nil)
            #expect(await sim.stats().faults["envelope"] == 1)
        }
    }

    @Test("stuck: the status stays RUNNING long after the job's time, and the download is never ready")
    func stuck() async throws {
        let clock = ManualClock()
        try await SimulatorHarness.withSimulator(try configuration("stuck=1", clock: clock)) { sim in
            let job = try await TestHTTP.request(submitURL(sim), method: .POST).decode(Envelope<JobInfo>.self)
                .result
            clock.advance(by: 7 * 86_400)
            let status = try await TestHTTP.request(try #require(job.statusUrl), credentials: nil)
                .decode(Envelope<StatusPayload>.self).result.status
            #expect(status.outcome == .inFlight)
            let download = try await TestHTTP.request(try #require(job.downloadUrl), credentials: nil)
            #expect(download.status == 400)
            let stats = await sim.stats()
            #expect(stats.faults["stuck"] == 1)
            // Inside, the job ran and freed its slot: a resubmission is not blocked by it.
            #expect(stats.users.completed == 1)
            let jobs = try await TestHTTP.request(sim.baseURL + "/_sim/jobs").decode([SimulatorJobRecord].self)
            #expect(jobs.count == 1 && jobs[0].stuck && jobs[0].export == "response")
        }
    }

    @Test("foreign: the redirect points at the other host, which counts credentials that reach it")
    func foreign() async throws {
        let clock = ManualClock()
        try await SimulatorHarness.withSimulator(
            try configuration("foreign=1", clock: clock, foreign: "http://localhost")
        ) { sim in
            let job = try await TestHTTP.request(submitURL(sim), method: .POST).decode(Envelope<JobInfo>.self)
                .result
            clock.advance(by: 3_600)
            let redirect = try await TestHTTP.request(try #require(job.downloadUrl), credentials: nil)
            #expect(redirect.status == 307)
            let location = try #require(redirect.header("Location"))
            #expect(location.hasPrefix("http://localhost:\(sim.port)/files/"))
            let file = try await TestHTTP.request(location, credentials: nil)
            #expect(file.status == 200)
            _ = try await TestHTTP.request(location)  // with Basic credentials: refused and counted
            let stats = await sim.stats()
            #expect(stats.faults["foreign"] == 1)
            #expect(stats.fileRequestsWithAuthorization == 1)
        }
    }
}

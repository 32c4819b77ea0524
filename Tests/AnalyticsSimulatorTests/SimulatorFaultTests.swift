import AnalyticsAPI
import AnalyticsSimulator
import ExportTestSupport
import Foundation
import Testing

@Suite("Fault injection")
struct SimulatorFaultTests {
    private func configuration(_ faults: String, clock: ManualClock? = nil) throws -> SimulatorConfiguration {
        var config = SimulatorHarness.fastConfiguration(faults: try FaultConfiguration(parsing: faults))
        if let clock {
            config.clock = .manual(clock)
            config.timeScale = 1
        }
        return config
    }

    private func teamsURL(_ sim: RunningSimulator) -> String {
        sim.baseURL + APIPaths.teams + "?companyKey=demo-company"
    }

    private func submitURL(_ sim: RunningSimulator) -> String {
        Fixtures.submitURL(sim.baseURL, .response, Fixtures.request(.response, hours: 1).queryItems)
    }

    @Test("http5xx: a 5xx FAIL envelope, and the request has no effect")
    func serverErrors() async throws {
        try await SimulatorHarness.withSimulator(try configuration("http5xx=1")) { sim in
            let reply = try await TestHTTP.request(submitURL(sim), method: .POST)
            #expect([500, 502, 503].contains(reply.status))
            #expect(try reply.json()["status"] as? String == "FAIL")
            let stats = await sim.stats()
            #expect(stats.users.submissions == 0 && stats.faults["http5xx"] == 1)
        }
    }

    @Test("http429: 429 with Retry-After")
    func rateLimited() async throws {
        try await SimulatorHarness.withSimulator(try configuration("http429=1")) { sim in
            let reply = try await TestHTTP.request(teamsURL(sim))
            #expect(reply.status == 429)
            #expect(Int(try #require(reply.header("Retry-After"))) != nil)
            #expect(await sim.stats().faults["http429"] == 1)
        }
    }

    @Test("reset: the connection drops mid-response")
    func reset() async throws {
        try await SimulatorHarness.withSimulator(try configuration("reset=1")) { sim in
            await #expect(throws: (any Error).self) { try await TestHTTP.request(teamsURL(sim)) }
            #expect(await sim.stats().faults["reset"] == 1)
        }
    }

    @Test("fail: jobs end CLOSED/FAILED with a reason")
    func failedJobs() async throws {
        let clock = ManualClock()
        try await SimulatorHarness.withSimulator(try configuration("fail=1", clock: clock)) { sim in
            let job = try await TestHTTP.request(submitURL(sim), method: .POST).decode(Envelope<JobInfo>.self)
                .result
            clock.advance(by: 3_600)
            let status = try await TestHTTP.request(try #require(job.statusUrl), credentials: nil)
                .decode(Envelope<StatusPayload>.self).result.status
            #expect(status.result.runnerState == .closed && status.result.detail == JobResult.failed)
            #expect(status.result.reason?.isEmpty == false)
            #expect(status.outcome != .rejectedByQueue)
            let stats = await sim.stats()
            #expect(stats.users.failed == 1 && stats.faults["fail"] == 1)
        }
    }

    private func completedDownload(_ sim: RunningSimulator, clock: ManualClock) async throws -> String {
        let job = try await TestHTTP.request(submitURL(sim), method: .POST).decode(Envelope<JobInfo>.self).result
        clock.advance(by: 3_600)
        let redirect = try await TestHTTP.request(try #require(job.downloadUrl), credentials: nil)
        #expect(redirect.status == 307)
        return try #require(redirect.header("Location"))
    }

    @Test("truncate: the file is cut short of its Content-Length")
    func truncate() async throws {
        let clock = ManualClock()
        try await SimulatorHarness.withSimulator(try configuration("truncate=1", clock: clock)) { sim in
            let location = try await completedDownload(sim, clock: clock)
            await #expect(throws: (any Error).self) { try await TestHTTP.request(location, credentials: nil) }
            #expect(await sim.stats().faults["truncate"] == 1)
        }
    }

    @Test("expire: links are issued already expired, so their first use answers 403")
    func expire() async throws {
        let clock = ManualClock()
        try await SimulatorHarness.withSimulator(try configuration("expire=1", clock: clock)) { sim in
            let location = try await completedDownload(sim, clock: clock)
            let reply = try await TestHTTP.request(location, credentials: nil)
            #expect(reply.status == 403)
            #expect(await sim.stats().faults["expire"] == 1)
        }
    }

    @Test("background: other users occupy the company's running slots and, when many, its whole queue")
    func background() async throws {
        let clock = ManualClock()
        try await SimulatorHarness.withSimulator(try configuration("background=2", clock: clock)) { sim in
            let job = try await TestHTTP.request(submitURL(sim), method: .POST).decode(Envelope<JobInfo>.self)
                .result
            let stats = await sim.stats()
            #expect(stats.background.submissions == 10)
            #expect(stats.maxRunningCompany == 4 && stats.maxQueuedCompany == 11)
            #expect(stats.maxRunningPerUser["demo"] == nil || stats.maxRunningPerUser["demo"] == 0)
            // Our job waits behind the background jobs but gets a slot (FIFO) as soon as one finishes.
            clock.advance(by: 86_400)
            let status = try await TestHTTP.request(try #require(job.statusUrl), credentials: nil)
                .decode(Envelope<StatusPayload>.self).result.status
            #expect(status.outcome == .completed)
            #expect(await sim.stats().maxRunningCompany == 4)
        }
        try await SimulatorHarness.withSimulator(try configuration("background=10", clock: ManualClock())) { sim in
            let job = try await TestHTTP.request(submitURL(sim), method: .POST).decode(Envelope<JobInfo>.self)
                .result
            let status = try await TestHTTP.request(try #require(job.statusUrl), credentials: nil)
                .decode(Envelope<StatusPayload>.self).result.status
            #expect(status.outcome == .rejectedByQueue)
            #expect(await sim.stats().users.rejectedCompanyQueue == 1)
        }
    }

    @Test("faults are drawn from the seed: the same requests meet the same faults; data never changes")
    func deterministicFaults() async throws {
        var sequences: [[Int]] = []
        for _ in 0..<2 {
            let codes = try await SimulatorHarness.withSimulator(try configuration("http5xx=0.3,http429=0.3")) { sim in
                var codes: [Int] = []
                for _ in 0..<20 { codes.append(try await TestHTTP.request(teamsURL(sim)).status) }
                return codes
            }
            sequences.append(codes)
        }
        #expect(sequences[0] == sequences[1])
        #expect(Set(sequences[0]).contains(200) && Set(sequences[0]).count > 1)
    }
}

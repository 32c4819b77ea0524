import AnalyticsAPI
import AnalyticsSimulator
import ExportBasics
import ExportTestSupport
import Foundation
import Testing

@Suite("The simulator's clock moved on by POST /_sim/clock")
struct SimulatorClockTests {
    @Test("moves API time on at once, never back; a job due before the new time has ended; bad input is a 400")
    func movesOnNeverBack() async throws {
        let clock = ManualClock()
        let start = Fixtures.monday + 30 * Fixtures.day
        let configuration = SimulatorConfiguration(
            seed: 42, timeScale: 1, startEpochMillis: start, clock: .manual(clock))
        try await SimulatorHarness.withSimulator(configuration) { sim in
            let read = try await TestHTTP.request(sim.baseURL + "/_sim/clock").json()
            #expect((read["apiTimeMillis"] as? NSNumber)?.int64Value == start)

            let request = Fixtures.request(.response, hours: 2)
            let submitted = try await TestHTTP.request(
                Fixtures.submitURL(sim.baseURL, .response, request.queryItems), method: .POST)
            let job = try submitted.decode(Envelope<JobInfo>.self).result
            let later = start + Fixtures.day
            let moved = try await TestHTTP.request(
                sim.baseURL + "/_sim/clock?to=" + InstantFormat.utc(later), method: .POST
            ).json()
            #expect((moved["apiTimeMillis"] as? NSNumber)?.int64Value == later)
            #expect(moved["apiTime"] as? String == InstantFormat.utc(later, milliseconds: true))
            let status = try await TestHTTP.request(try #require(job.statusUrl), credentials: nil)
            #expect(try status.decode(Envelope<StatusPayload>.self).result.status.outcome == .completed)

            // Time goes on from there at the time scale; asking for an earlier instant leaves it where it is.
            clock.advance(by: 60)
            let back = try await TestHTTP.request(
                sim.baseURL + "/_sim/clock?to=" + InstantFormat.utc(start), method: .POST
            ).json()
            #expect((back["apiTimeMillis"] as? NSNumber)?.int64Value == later + 60_000)
            #expect(await sim.stats().apiTimeMillis == later + 60_000)

            let bad = try await TestHTTP.request(sim.baseURL + "/_sim/clock?to=tomorrow", method: .POST)
            #expect(bad.status == 400)
            #expect(bad.text.contains("ISO 8601"))
        }
    }
}

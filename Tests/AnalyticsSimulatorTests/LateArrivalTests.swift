import AnalyticsAPI
import AnalyticsSimulator
import ExportTestSupport
import Foundation
import Testing

@Suite("Late data: rows that arrive and change up to --late-days after their time")
struct LateArrivalTests {
    let generator = ExportDataGenerator(seed: 42)
    let late = LateArrival(days: 3)
    /// One day of responses: Monday 2025-03-03 (UTC).
    let day = Fixtures.request(.response, hours: 24)

    /// Rows by id (the first column), each as its raw line.
    func rows(_ bytes: [UInt8]) -> [String: [String]] {
        var result: [String: [String]] = [:]
        for record in CSVTestParser.parse(bytes).dropFirst() { result[record[0]] = record }
        return result
    }

    @Test func rowsArriveAndSettleWithinTheLateDaysAndAreFinalAfter() throws {
        let end = day.endTime
        let atEnd = rows(try generator.asOf(end, late: late).csv(for: day))
        let dayLater = rows(try generator.asOf(end + Fixtures.day, late: late).csv(for: day))
        let final = try generator.asOf(end + 3 * Fixtures.day, late: late).csv(for: day)
        // After the late days the data is the data, byte for byte.
        #expect(final == (try generator.csv(for: day)))
        let all = rows(final)
        #expect(
            atEnd.count < dayLater.count && dayLater.count < all.count, "\(atEnd.count) \(dayLater.count) \(all.count)")
        // Roughly a quarter is missing at the end of the day (the share of late rows, most arriving later).
        let missing = Double(all.count - atEnd.count) / Double(all.count)
        #expect(missing > 0.15 && missing < 0.3, "\(missing)")
        // Rows only ever appear: what is there at one instant is there later too (possibly with other values).
        #expect(Set(atEnd.keys).isSubset(of: Set(dayLater.keys)) && Set(dayLater.keys).isSubset(of: Set(all.keys)))
        // Some rows that are there already still change their values until they are final.
        let revised = atEnd.filter { id, row in all[id] != row }
        #expect(!revised.isEmpty)
        #expect(revised.allSatisfy { id, row in row[1] == all[id]?[1] }, "times never change")
        // Deterministic: the same instant gives the same bytes.
        #expect(
            try generator.asOf(end, late: late).csv(for: day) == (try generator.asOf(end, late: late).csv(for: day)))
        // Before the day even starts, none of it is there; with no late data, asOf is the generator itself.
        #expect(rows(try generator.asOf(day.startTime, late: late).csv(for: day)).isEmpty)
        #expect(try generator.asOf(day.startTime, late: nil).csv(for: day) == final)
    }

    @Test func anExportOverLoopbackHoldsWhatHadArrivedWhenItWasSubmitted() async throws {
        let clock = ManualClock()
        var configuration = SimulatorConfiguration(
            seed: 42, timeScale: 1, startEpochMillis: day.endTime + Fixtures.hour, clock: .manual(clock))
        configuration.lateArrival = late
        try await SimulatorHarness.withSimulator(configuration) { sim in
            func export() async throws -> [UInt8] {
                let reply = try await TestHTTP.request(
                    Fixtures.submitURL(sim.baseURL, .response, day.queryItems), method: .POST)
                let job = try reply.decode(Envelope<JobInfo>.self).result
                clock.advance(by: 3_600)
                let status = try await TestHTTP.request(try #require(job.statusUrl), credentials: nil)
                let payload = try status.decode(Envelope<StatusPayload>.self).result
                #expect(payload.status.outcome == .completed)
                let redirect = try await TestHTTP.request(try #require(job.downloadUrl), credentials: nil)
                let file = try await TestHTTP.request(try #require(redirect.header("Location")), credentials: nil)
                return file.body
            }
            let first = try await export()
            #expect(first == (try generator.asOf(day.endTime + Fixtures.hour, late: late).csv(for: day)))
            clock.advance(by: 3 * 86_400)
            let second = try await export()
            #expect(second == (try generator.csv(for: day)))
            #expect(rows(first).count < rows(second).count)
        }
    }

    @Test func lateDaysOutsideTheRangeAreRefused() {
        var configuration = SimulatorConfiguration()
        configuration.lateArrival = LateArrival(days: -1)
        #expect(throws: SimulatorConfigurationError.self) { try configuration.validate() }
    }
}

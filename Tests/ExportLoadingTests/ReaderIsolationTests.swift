import AnalyticsAPI
import ExportTestSupport
import Foundation
import PostgresNIO
import Testing

@testable import ExportLoading

@Suite(
    "What a reader sees during a load", .enabled(if: WarehouseTestDatabase.isRequired, LoadingFixture.skipped))
struct ReaderIsolationTests {
    @Test("a reader polling a partition's count while it is replaced sees the old or the new count, never another")
    func oldOrNew() async throws {
        try await LoadingFixture.with { fixture in
            let export = "states-\(fixture.tag)"
            let day = "2026-03-03"
            let a = try fixture.partition(export, .rawAgentStates, day: day, seed: 11)
            // The second file: another seed's rows, the last 500 left out (so the counts surely differ).
            let other = try fixture.partition("other-\(fixture.tag)", .rawAgentStates, day: day, seed: 12)
            let lines = try String(contentsOfFile: other.path, encoding: .utf8).components(separatedBy: "\r\n")
            let b = try fixture.write(
                export, .rawAgentStates, day: day, bytes: Array(lines.dropLast(501).joined(separator: "\r\n").utf8),
                variant: ".b")
            let counts = Set([try LoadingFixture.records(a).count, try LoadingFixture.records(b).count])
            #expect(counts.count == 2, "the two files must differ in rows for the test to tell them apart")
            let loader = try await fixture.loader()
            _ = try await loader.load(a, runID: "start")
            let done = Flag()
            let reader = Task {
                var seen: [Int] = []
                while !(await done.isSet) {
                    seen.append(try await fixture.count(export, day: day))
                }
                seen.append(try await fixture.count(export, day: day))
                return seen
            }
            for round in 0..<6 {
                // Each round loads the other file (and its SHA-256 differs from the one recorded).
                let partition = round % 2 == 0 ? b : a
                guard case .loaded = try await loader.load(partition, runID: "round-\(round)") else {
                    Issue.record("round \(round) was skipped")
                    break
                }
            }
            await done.set()
            let seen = try await reader.value
            await loader.close()
            #expect(Set(seen).isSubset(of: counts), "counts seen: \(Set(seen).sorted()), files: \(counts.sorted())")
            #expect(seen.last == (try LoadingFixture.records(a).count))
            #expect(seen.count > 1)
        }
    }

    // With postgres-nio 1.33.2 this hung until the loader stopped sending ROLLBACK on a closed connection
    // (`PostgresClient.transaction`): the time limit turns a hang back into a failure (5 minutes: in the suite's
    // first minute on two cores, the test took 140 s).
    @Test(
        "a load cut off in the middle of its COPY leaves the partition's previous rows; the next load replaces them",
        .timeLimit(.minutes(5)))
    func cutMidCopy() async throws {
        try await LoadingFixture.with { fixture in
            let export = "history-\(fixture.tag)"
            let day = "2026-03-04"
            let old = try fixture.partition(export, .conversationHistoryAction, day: day, seed: 21)
            let new = try fixture.partition(export, .conversationHistoryAction, day: day, seed: 22, variant: ".new")
            let oldRows = try LoadingFixture.records(old).count
            let loader = try await fixture.loader()
            _ = try await loader.load(old, runID: "before")
            let table = WarehouseNames.table(export)
            let cuts = Counter()
            // After the first piece reaches the server, its backend is ended from outside, as a killed loader's is.
            await #expect(throws: WarehouseError.self) {
                _ = try await loader.load(new, runID: "cut") { _ in
                    guard await cuts.increment() == 1 else { return }
                    let ended = try await fixture.integer(
                        """
                        SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
                        WHERE application_name = '\(WarehouseLoader.applicationName(schema: fixture.schema))' AND query LIKE 'COPY "\(table)"%'
                        """)
                    #expect(ended == 1)
                }
            }
            #expect(await cuts.value >= 1)
            await loader.close()
            #expect(try await fixture.count(export, day: day) == oldRows)
            let recorded = try await fixture.strings(
                "SELECT run_id FROM \"\(fixture.schema)\"._exportpipe_partitions WHERE export = '\(export)'")
            #expect(recorded == ["before"])

            let next = try await fixture.loader()
            let newRows = try LoadingFixture.records(new).count
            #expect(try await next.load(new, runID: "after") == .loaded(rows: newRows, addedColumns: []))
            await next.close()
            #expect(try await fixture.count(export, day: day) == newRows)
        }
    }
}

actor Flag {
    private(set) var isSet = false
    func set() { isSet = true }
}

actor Counter {
    private(set) var value = 0
    func increment() -> Int {
        value += 1
        return value
    }
}

import AnalyticsAPI
import ExportTestSupport
import Foundation
import Testing

@testable import ExportLoading

@Suite("A loader killed mid-COPY", .enabled(if: WarehouseTestDatabase.isRequired, LoadingFixture.skipped))
struct KilledLoadTests {
    static let name = "exportpipe-bench-load"

    /// The loader as a child process (`exportpipe-bench-load load`, built beside the tests).
    static func binary() throws -> URL {
        let runner = URL(fileURLWithPath: CommandLine.arguments.first ?? ".").resolvingSymlinksInPath()
        var directory = runner.deletingLastPathComponent()
        // Swift Testing may run from inside the .xctest bundle; the executables sit beside it.
        while !FileManager.default.fileExists(atPath: directory.appendingPathComponent(name).path),
            directory.pathComponents.count > 1
        {
            directory = directory.deletingLastPathComponent()
        }
        let binary = directory.appendingPathComponent(name)
        guard FileManager.default.isExecutableFile(atPath: binary.path) else {
            throw WarehouseError(.configuration, "\(name) not found beside \(runner.path): run swift build")
        }
        return binary
    }

    @Test("SIGKILL in the middle of the COPY leaves the partition's previous rows and record; the next load works")
    func sigkill() async throws {
        try await LoadingFixture.with { fixture in
            let export = "killed-\(fixture.tag)"
            let day = "2026-03-04"
            let old = try fixture.partition(export, .response, day: day, seed: 31)
            let oldRows = try LoadingFixture.records(old).count
            let loader = try await fixture.loader()
            _ = try await loader.load(old, runID: "before")
            // The new file: one day's rows 40 times over (a COPY of some seconds, so the kill lands inside it).
            let day2 = try fixture.partition("source-\(fixture.tag)", .response, day: day, seed: 32)
            let text = try String(contentsOfFile: day2.path, encoding: .utf8)
            let newline = text.range(of: "\r\n")!
            let header = String(text[..<newline.upperBound])
            let body = String(text[newline.upperBound...])
            let big = try fixture.write(
                export, .response, day: day, bytes: Array((header + String(repeating: body, count: 40)).utf8),
                variant: ".big")

            let process = Process()
            process.executableURL = try Self.binary()
            process.arguments = [
                "load", try #require(WarehouseTestDatabase.url), fixture.schema, big.path, export, day, big.sha256,
            ]
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            let table = WarehouseNames.table(export)
            try await eventually("the child's COPY is running") {
                guard process.isRunning else {
                    Issue.record("the child ended before its COPY was seen (exit \(process.terminationStatus))")
                    throw CancellationError()
                }
                return try await fixture.integer(
                    """
                    SELECT count(*) FROM pg_stat_activity WHERE application_name = '\(WarehouseLoader.applicationName(schema: fixture.schema))'
                    AND state = 'active' AND query LIKE 'COPY "\(table)"%'
                    """) == 1
            }
            kill(process.processIdentifier, SIGKILL)
            while process.isRunning { try await Task.sleep(nanoseconds: 10_000_000) }
            process.waitUntilExit()
            #expect(process.terminationReason == .uncaughtSignal)

            #expect(try await fixture.count(export, day: day) == oldRows)
            let recorded = try await fixture.strings(
                "SELECT run_id FROM \"\(fixture.schema)\"._exportpipe_partitions WHERE export = '\(export)'")
            #expect(recorded == ["before"])
            // The next load waits for the server to end the killed one's transaction, then replaces the partition.
            #expect(
                try await loader.load(big, runID: "after")
                    == .loaded(rows: 40 * (try LoadingFixture.records(day2).count), addedColumns: []))
            await loader.close()
            #expect(try await fixture.count(export, day: day) == 40 * (try LoadingFixture.records(day2).count))
        }
    }
}

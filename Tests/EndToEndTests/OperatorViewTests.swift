import ExportBasics
import ExportTestSupport
import Foundation
import RunReporting
import Testing

/// The operator's view, with real processes over loopback: a run against a simulator that refuses the large
/// jobs ends with a summary (on stdout and in run-summary.json), a metrics file and a report that say so;
/// `retry` against a simulator without that limit runs only the failed chunks and completes the outputs.
@Suite("operator's view: summary, metrics, report, retry", .serialized)
struct OperatorViewTests {
    static let scale = "4000"
    static let password = "ops-test-password-9d2"
    static let companyKey = "ops-test-company-41a"
    static let environment = ["EP_PASSWORD": password, "EP_COMPANY_KEY": companyKey]
    /// Jobs over this many rows fail (as timeouts) on the limited simulator: the posts chunks do, the
    /// responses chunks do not (seed 11, the window below).
    static let rowLimit = "1000"

    static func spec(baseURL: String) -> String {
        RunCommandTests.spec(baseURL: baseURL).replacingOccurrences(
            of: "output: { dir: out, state_dir: state }",
            with: """
                output: { dir: out, state_dir: state }
                run: { attempts: 1, min_chunk: 2d, metrics_file: metrics/exportpipe.prom }
                """)
    }

    static func simulator(_ runner: CLIRunner, limit: String?) throws -> SimulatorProcess {
        try SimulatorProcess(
            binary: runner.binary,
            arguments: [
                "--seed", "11", "--time-scale", scale, "--user", "u1:\(password)", "--company-key", companyKey,
            ] + (limit.map { ["--max-export-rows", $0] } ?? []))
    }

    static func workspace() throws -> URL {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("ep-ops-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        return directory
    }

    static func submissions(_ simulator: SimulatorProcess) async throws -> Int {
        ((try await simulator.stats()["users"] as? [String: Any])?["submissions"] as? Int) ?? -1
    }

    @Test func aFailedChunkShowsInTheSummaryMetricsAndReportAndRetryCompletesTheOutputs() async throws {
        let runner = try CLIRunner()
        let directory = try Self.workspace()
        defer { try? FileManager.default.removeItem(at: directory) }
        let specPath = directory.appendingPathComponent("pipeline.yaml").path
        let limited = try Self.simulator(runner, limit: Self.rowLimit)
        defer { limited.stop() }
        try Self.spec(baseURL: limited.baseURL).write(toFile: specPath, atomically: true, encoding: .utf8)

        // 1. The run: the posts chunks fail for good, the responses chunks are verified and merged.
        let first = try await runner.run(
            ["run", specPath, "--time-scale", Self.scale, "--progress", "json"], environment: Self.environment,
            timeout: 300)
        #expect(first.status == 1, "\(first.stderr)")
        let lines = first.stdout.split(separator: "\n")
        let last = try #require(lines.last)
        let summary = try JSONDecoder().decode(RunSummary.self, from: Data(last.utf8))
        let written = try JSONDecoder().decode(
            RunSummary.self, from: Data(contentsOf: directory.appendingPathComponent("out/run-summary.json")))
        #expect(written == summary, "run-summary.json holds the same object as the last line of --progress json")
        #expect(summary.kind == "summary" && summary.pipeline == "e2e" && summary.command == "run")
        #expect(summary.status == "failed" && summary.exitCode == 1)
        let posts = try #require(summary.exports.first { $0.name == "posts" })
        let responses = try #require(summary.exports.first { $0.name == "responses" })
        #expect(posts.failed > 0 && posts.failed == posts.failedChunks.count && posts.output == nil)
        #expect(posts.verified + posts.failed + posts.unfinished == posts.chunks)
        for chunk in posts.failedChunks {
            #expect(chunk.windowStart < chunk.windowEnd && chunk.windowStart.hasSuffix("Z"))
            #expect(chunk.attempts == 1)
            #expect(!chunk.lastError.isEmpty && !chunk.lastError.contains("analyticsAccessToken"))
        }
        #expect(responses.failed == 0 && responses.verified == responses.chunks && responses.reused == 0)
        let output = try #require(responses.output)
        #expect(output.file == "responses.csv" && output.rows > 0)
        #expect(try output.sha256 == Self.sha256(directory.appendingPathComponent("out/responses.csv")))
        let totals = summary.totals
        #expect(totals.failed == posts.failed && totals.verified == posts.verified + responses.verified)
        #expect(totals.submissions == (try await Self.submissions(limited)))
        #expect(totals.statusRequests >= totals.submissions && totals.splits == 0)
        #expect(totals.wallSeconds > 0 && totals.lowerBoundSeconds > 0 && totals.timeScale == 4000)
        #expect((totals.achievedShare ?? 0) > 0 && (totals.achievedShare ?? 2) <= 1)
        #expect(totals.rows == posts.rows + responses.rows)
        try Self.checkAgainstSchema(Data(contentsOf: directory.appendingPathComponent("out/run-summary.json")))
        // Every other line is a progress event; the summary comes once, last.
        #expect(lines.dropLast().allSatisfy { !$0.contains("\"kind\":\"summary\"") })

        // 2. The metrics file parses and agrees with the summary.
        let metricsPath = directory.appendingPathComponent("metrics/exportpipe.prom").path
        let samples = try PrometheusText.parse(try String(contentsOfFile: metricsPath, encoding: .utf8))
        func value(_ name: String, _ labels: [String: String] = [:]) -> Double? {
            samples.first { sample in
                sample.name == name && labels.allSatisfy { sample.labels[$0.key] == $0.value }
            }?.value
        }
        #expect(samples.allSatisfy { $0.labels["pipeline"] == "e2e" })
        #expect(value("exportpipe_submissions_total") == Double(totals.submissions))
        #expect(value("exportpipe_rejections_total") == Double(totals.rejections))
        #expect(value("exportpipe_retries_total") == Double(totals.retries))
        #expect(value("exportpipe_splits_total") == Double(totals.splits))
        #expect(value("exportpipe_status_requests_total") == Double(totals.statusRequests))
        #expect(value("exportpipe_chunks", ["export": "posts", "state": "failed"]) == Double(posts.failed))
        #expect(value("exportpipe_chunks", ["export": "responses", "state": "verified"]) == Double(responses.verified))
        #expect(value("exportpipe_rows", ["export": "responses"]) == Double(responses.rows))
        #expect(value("exportpipe_bytes", ["export": "posts"]) == Double(posts.bytes))
        #expect(value("exportpipe_slots_busy", ["user": "u1"]) == 0)
        #expect(value("exportpipe_run_in_progress") == 0)
        #expect((value("exportpipe_run_duration_seconds") ?? 0) > 0)
        #expect(value("exportpipe_last_success_timestamp_seconds") == 0, "the pipeline has never succeeded")

        // 3. The report and the status say what to do.
        let report = try String(
            contentsOf: directory.appendingPathComponent("out/report.html"), encoding: .utf8)
        #expect(report.contains("<svg") && report.contains("class=\"queued\"") && report.contains("mk failed"))
        #expect(!report.lowercased().contains("<script") && !report.contains("http://") && !report.contains("https://"))
        #expect(!report.contains(Self.companyKey) && !report.contains("analyticsAccessToken"))
        for chunk in posts.failedChunks { #expect(report.contains(chunk.id)) }
        let status = try await runner.run(["status", specPath], timeout: 60)
        #expect(status.status == 0)
        #expect(status.stdout.contains("`exportpipe retry \(specPath)`"), "\(status.stdout)")
        let badChunk = try await runner.run(
            ["retry", specPath, "--chunk", "no-such-chunk", "--time-scale", Self.scale], environment: Self.environment,
            timeout: 120)
        #expect(badChunk.status == 2 && badChunk.stderr.contains("no chunk"), "\(badChunk.stderr)")

        // 4. retry, against a simulator without the limit (same seed, same data): only the failed chunks run.
        let unlimited = try Self.simulator(runner, limit: nil)
        defer { unlimited.stop() }
        try Self.spec(baseURL: unlimited.baseURL).write(toFile: specPath, atomically: true, encoding: .utf8)
        let responsesBefore = try Data(contentsOf: directory.appendingPathComponent("out/responses.csv"))
        let retry = try await runner.run(
            ["retry", specPath, "--time-scale", Self.scale, "--progress", "json"], environment: Self.environment,
            timeout: 300)
        #expect(retry.status == 0, "\(retry.stderr)")
        #expect(try await Self.submissions(unlimited) == posts.failed, "retry submits the failed chunks only")
        let after = try JSONDecoder().decode(
            RunSummary.self, from: Data(try #require(retry.stdout.split(separator: "\n").last).utf8))
        #expect(after.command == "retry" && after.status == "complete" && after.exitCode == 0)
        #expect(after.totals.failed == 0 && after.totals.verified == totals.chunks)
        #expect(after.exports.first { $0.name == "responses" }?.reused == responses.chunks)
        #expect(
            try Data(contentsOf: directory.appendingPathComponent("out/responses.csv")) == responsesBefore,
            "the complete export is left as it was")
        let retried = try PrometheusText.parse(try String(contentsOfFile: metricsPath, encoding: .utf8))
        let success = retried.first { $0.name == "exportpipe_last_success_timestamp_seconds" }?.value ?? 0
        #expect(abs(success - Date().timeIntervalSince1970) < 300)

        // The outputs equal those of one clean run against the unlimited simulator.
        let reference = try Self.workspace()
        defer { try? FileManager.default.removeItem(at: reference) }
        let referenceSpec = reference.appendingPathComponent("pipeline.yaml").path
        let fresh = try Self.simulator(runner, limit: nil)
        defer { fresh.stop() }
        try Self.spec(baseURL: fresh.baseURL).write(toFile: referenceSpec, atomically: true, encoding: .utf8)
        let clean = try await runner.run(
            ["run", referenceSpec, "--time-scale", Self.scale, "--progress", "plain"], environment: Self.environment,
            timeout: 300)
        #expect(clean.status == 0, "\(clean.stderr)")
        for name in ["posts.csv", "responses.csv"] {
            #expect(
                try Data(contentsOf: directory.appendingPathComponent("out/\(name)"))
                    == Data(contentsOf: reference.appendingPathComponent("out/\(name)")), "\(name)")
        }

        // Nothing left to retry.
        let again = try await runner.run(
            ["retry", specPath, "--time-scale", Self.scale], environment: Self.environment, timeout: 120)
        #expect(again.status == 0 && again.stderr.contains("nothing to retry"), "\(again.stderr)")
        for text in [first.stdout, first.stderr, retry.stdout, retry.stderr, report] {
            #expect(!text.contains(Self.password) && !text.contains(Self.companyKey))
        }
    }

    @Test func reportRendersFromTheJournalAndNeedsARun() async throws {
        let runner = try CLIRunner()
        let directory = try Self.workspace()
        defer { try? FileManager.default.removeItem(at: directory) }
        let specPath = directory.appendingPathComponent("pipeline.yaml").path
        try Self.spec(baseURL: "simulator").write(toFile: specPath, atomically: true, encoding: .utf8)
        let before = try await runner.run(["report", specPath], timeout: 60)
        #expect(before.status == 1 && before.stderr.contains("has not run yet"), "\(before.stderr)")
        #expect(before.stderr.contains("`exportpipe run \(specPath)`"), "it says how to make one: \(before.stderr)")
        let run = try await runner.run(["run", specPath, "--progress", "plain"], timeout: 300)
        #expect(run.status == 0, "\(run.stderr)")
        let page = try await runner.run(["report", specPath, "-o", "-"], timeout: 60)
        #expect(page.status == 0)
        #expect(page.stdout.hasPrefix("<!DOCTYPE html>") && page.stdout.contains("<rect class=\"downloading\""))
        let written = try await runner.run(
            ["report", specPath, "-o", directory.appendingPathComponent("r.html").path], timeout: 60)
        #expect(written.status == 0)
        #expect(FileManager.default.fileExists(atPath: directory.appendingPathComponent("r.html").path))
    }

    /// `EXPORTPIPE_NOW` at this instant of the real clock.
    static func realNow() -> [String: String] {
        ["EXPORTPIPE_NOW": InstantFormat.utc(Int64(Date().timeIntervalSince1970 * 1000))]
    }

    @Test func theReportAndTheMetricsFileFollowARunWhileItIsGoing() async throws {
        let runner = try CLIRunner()
        let directory = try Self.workspace()
        defer { try? FileManager.default.removeItem(at: directory) }
        let specPath = directory.appendingPathComponent("pipeline.yaml").path
        try Self.spec(baseURL: "simulator").write(toFile: specPath, atomically: true, encoding: .utf8)
        let metricsPath = directory.appendingPathComponent("metrics/exportpipe.prom").path
        // A slow clock, so the run lasts past the first writes of the run log and the metrics file (every 5 s).
        let process = Process()
        process.executableURL = runner.binary
        process.arguments = ["run", specPath, "--time-scale", "20", "--progress", "plain"]
        // The run and every `report` read the real clock: a fixed EXPORTPIPE_NOW would put each process's "now" at
        // the instant it names when it starts, and the report's now before the run's own events.
        process.environment = ProcessInfo.processInfo.environment.merging(Self.realNow()) { _, new in new }
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        defer {
            if process.isRunning { process.interrupt() }
            process.waitUntilExit()
        }
        var sawPage = false
        var sawMetrics = false
        let deadline = Date().addingTimeInterval(120)
        while process.isRunning, !(sawPage && sawMetrics), Date() < deadline {
            try await Task.sleep(nanoseconds: 500_000_000)
            let page = try await runner.run(["report", specPath, "-o", "-"], environment: Self.realNow(), timeout: 60)
            // In progress, with its jobs drawn (in whatever phase: on a loaded machine a `report` can take seconds,
            // and a job's queued or running moment passes between two of them).
            if page.status == 0, page.stdout.contains("in progress"), page.stdout.contains("<rect class=\"") {
                sawPage = true
            }
            if let text = try? String(contentsOfFile: metricsPath, encoding: .utf8), process.isRunning {
                let samples = try PrometheusText.parse(text)
                if samples.contains(where: { $0.name == "exportpipe_run_in_progress" && $0.value == 1 }) {
                    sawMetrics = true
                }
            }
        }
        #expect(sawPage, "exportpipe report showed the run in progress with its jobs")
        #expect(sawMetrics, "the metrics file was written while the run was going")
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        let final = try await runner.run(["report", specPath, "-o", "-"], environment: Self.realNow(), timeout: 60)
        #expect(final.status == 0 && !final.stdout.contains("in progress") && final.stdout.contains("ended"))
    }

    /// The summary's keys, at every level, are those docs/run-summary.schema.json describes: every required key is
    /// there and no key is undocumented.
    static func checkAgainstSchema(_ data: Data, filePath: String = #filePath) throws {
        let root = URL(fileURLWithPath: filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let schema = try #require(
            try JSONSerialization.jsonObject(
                with: Data(contentsOf: root.appendingPathComponent("docs/run-summary.schema.json"))) as? [String: Any])
        let summary = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        func check(_ value: Any, _ schema: [String: Any], _ path: String) {
            if let variants = schema["oneOf"] as? [[String: Any]] {
                if value is NSNull { return }
                if let object = variants.first(where: { $0["type"] as? String == "object" }) {
                    check(value, object, path)
                }
                return
            }
            if let properties = schema["properties"] as? [String: [String: Any]], let object = value as? [String: Any] {
                let required = Set(schema["required"] as? [String] ?? [])
                #expect(required.isSubset(of: object.keys), "\(path): missing \(required.subtracting(object.keys))")
                #expect(
                    Set(object.keys).isSubset(of: properties.keys),
                    "\(path): undocumented \(Set(object.keys).subtracting(properties.keys))")
                for (key, item) in object { if let sub = properties[key] { check(item, sub, path + "." + key) } }
            }
            if let items = schema["items"] as? [String: Any], let array = value as? [Any] {
                for (index, item) in array.enumerated() { check(item, items, path + "[\(index)]") }
            }
        }
        check(summary, schema, "summary")
    }

    static func sha256(_ url: URL) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/sha256sum")
        process.arguments = [url.path]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(String(decoding: data, as: UTF8.self).prefix(64))
    }
}

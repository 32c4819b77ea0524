import ExportExecutor
import ExportTestSupport
import Foundation
import Testing

/// Issue 21, "What it must show", as processes over loopback: the demo run twice exports again only the settle
/// period's windows and says why, keeping every verified, settled chunk as it was cut; a failed run leaves
/// `run-summary.json` and the report saying so, with its exit code; a demo run killed with SIGKILL is rerun with
/// no more work than its plan's chunks to run.
@Suite("a run tells the truth about how it ended and what it redid", .serialized)
struct TruthfulRunTests {
    /// The demo's `run.settle` (its default: 2 days), in milliseconds.
    static let settleMillis: Int64 = 2 * 86_400_000

    /// The real current instant, for `--now`: the journal stamps verification times with the real clock, so a
    /// chunk's settling (its verification time less its window's end) is measured in one frame only when the run's
    /// "now" is the real one too.
    static func realNow() -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.string(from: Date())
    }

    /// A copy of `pipelines/demo.yaml` in a fresh folder; its outputs go to `out/demo`, its state to
    /// `.exportpipe/demo`, both under that folder.
    static func demoCopy() throws -> (directory: String, spec: String) {
        let directory = try PipelineHarness.temporaryDirectory()
        let spec = directory + "/demo.yaml"
        try FileManager.default.copyItem(atPath: InProcessSimulatorResumeTests.demo.path, toPath: spec)
        return (directory, spec)
    }

    static func json(_ text: String) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any], "\(text)")
    }

    static func jsonFile(_ path: String) throws -> [String: Any] {
        try json(try String(contentsOfFile: path, encoding: .utf8))
    }

    /// The `--progress json` lines of a run: its events, then its summary (`kind: summary`).
    static func jsonLines(_ stdout: String) -> [[String: Any]] {
        stdout.split(separator: "\n").compactMap {
            try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }
    }

    /// A chunk of `exportpipe plan --format json`.
    struct PlannedChunk {
        var id: String
        var export: String
        var reasons: [String]
        var start: Int64
        var end: Int64
        /// The fan-out values (`filter=value`), sorted: chunks of one export overlap only with the same ones.
        var fanOut: [String]
        var kept: Bool { reasons.last == "kept_from_earlier_run" }
    }

    static func plannedChunks(_ plan: [String: Any]) throws -> [PlannedChunk] {
        let exports = try #require(plan["exports"] as? [[String: Any]])
        return try exports.flatMap { export in
            let chunks = try #require(export["chunks"] as? [[String: Any]])
            return try chunks.map { chunk in
                let window = try #require(chunk["window"] as? [String: Any])
                func millis(_ key: String) throws -> Int64 {
                    let instant = try #require(window[key] as? [String: Any])
                    return try #require((instant["epochMillis"] as? NSNumber)?.int64Value)
                }
                return PlannedChunk(
                    id: try #require(chunk["id"] as? String), export: try #require(chunk["export"] as? String),
                    reasons: ((chunk["reasons"] as? [[String: Any]]) ?? []).compactMap { $0["code"] as? String },
                    start: try millis("start"), end: try millis("end"),
                    fanOut: ((chunk["fanOut"] as? [[String: Any]]) ?? []).map {
                        "\($0["filter"] ?? "?")=\($0["value"] ?? "?")"
                    }.sorted())
            }
        }
    }

    /// The fan-out values a journal record's request was sent with, as the plan writes them.
    static func fanOut(of record: ChunkRecord, like chunks: [PlannedChunk]) -> [String]? {
        chunks.first { $0.id == record.id }?.fanOut
    }

    // MARK: - The demo run twice

    @Test func theDemoRunTwiceExportsAgainOnlyTheSettlePeriodsWindowsSaysWhyAndReCutsNoSettledChunk() async throws {
        let runner = try CLIRunner()
        let (directory, spec) = try Self.demoCopy()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let now = Self.realNow()
        let arguments = ["run", spec, "--progress", "json", "--now", now]
        let summaryPath = directory + "/out/demo/run-summary.json"

        let first = try await runner.run(arguments, timeout: 300)
        #expect(first.status == 0, "\(first.stderr)")
        let firstSummary = try Self.jsonFile(summaryPath)
        #expect(firstSummary["status"] as? String == "complete")

        // What run 1 verified, and when (the real clock).
        let verified = try Journal(path: directory + "/.exportpipe/demo/journal.sqlite").records()
            .filter { $0.state == .verified }
        #expect(!verified.isEmpty)
        let settled = verified.filter { record in
            guard let at = record.verifiedAt else { return false }
            return Int64(at * 1000) - record.windowEnd >= Self.settleMillis
        }
        let unsettled = verified.filter { record in !settled.contains { $0.id == record.id } }
        // A 14-day window to today with a 2-day settle period: both kinds, whatever the day.
        #expect(!settled.isEmpty, "some chunk ended at least run.settle before it was verified")
        #expect(!unsettled.isEmpty, "some chunk ended within run.settle of its verification")

        // What the second run will do, at the same "now".
        let planned = try await runner.run(["plan", spec, "--format", "json", "--now", now])
        #expect(planned.status == 0, "\(planned.stderr)")
        let chunks = try Self.plannedChunks(try Self.json(planned.stdout))
        let byId = Dictionary(chunks.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        for record in settled {
            #expect(
                byId[record.id]?.kept == true,
                "\(record.exportName) chunk \(record.id), verified and settled, is kept as it was: \(byId[record.id]?.reasons ?? ["not in the plan"])"
            )
        }
        let kept = chunks.filter(\.kept)
        #expect(Set(kept.map(\.id)) == Set(settled.map(\.id)), "the plan keeps exactly the settled chunks")
        let toRun = chunks.filter { !$0.kept }
        // Nothing to run overlaps a kept chunk (same export, same fan-out values): no settled window is re-cut.
        for chunk in toRun {
            let overlapping = kept.filter {
                $0.export == chunk.export && $0.fanOut == chunk.fanOut && $0.start < chunk.end && chunk.start < $0.end
            }
            #expect(overlapping.isEmpty, "\(chunk.export) chunk \(chunk.id) overlaps kept \(overlapping.map(\.id))")
            // Only the settle period's windows are exported again: each chunk to run starts where the settled
            // chunks of its export and fan-out values end, or later.
            let settledEnds = settled.filter { record in
                record.exportName == chunk.export && Self.fanOut(of: record, like: chunks) == chunk.fanOut
            }.map(\.windowEnd)
            #expect(
                settledEnds.allSatisfy { $0 <= chunk.start },
                "\(chunk.export) chunk \(chunk.id) starts before a settled chunk of its export ends")
        }
        // incoming-posts (chunk: auto, split by work queue) keeps its settled chunks as they were cut.
        let postsSettled = settled.filter { $0.exportName == "incoming-posts" }
        #expect(!postsSettled.isEmpty)
        #expect(
            postsSettled.allSatisfy { byId[$0.id]?.kept == true && byId[$0.id]?.end == $0.windowEnd },
            "incoming-posts is not re-planned into different chunks")

        let second = try await runner.run(arguments, timeout: 300)
        #expect(second.status == 0, "\(second.stderr)")
        let summary = try Self.jsonFile(summaryPath)
        #expect(summary["status"] as? String == "complete")
        #expect(summary["exitCode"] as? Int == 0)
        let totals = try #require(summary["totals"] as? [String: Any])
        #expect(totals["reused"] as? Int == settled.count, "every settled chunk is reused: \(totals)")
        // The run is measured against the bound of the chunks it exported again (none of them is "done" before it).
        #expect((totals["lowerBoundSeconds"] as? Double ?? 0) > 0, "\(totals)")
        #expect(totals["achievedShare"] is Double, "\(totals)")
        let submitted = (totals["submissions"] as? Int ?? 0) - (totals["rejections"] as? Int ?? 0)
        let redone = (totals["retries"] as? Int ?? 0) + 2 * (totals["splits"] as? Int ?? 0)
        #expect(
            (toRun.count...(toRun.count + redone)).contains(submitted),
            "the second run submits the plan's \(toRun.count) chunks to run, no more: \(totals)")

        // The summary says which windows are exported again and why: run 1's unsettled chunks, within run.settle.
        let again = (summary["exportedAgain"] as? [[String: Any]]) ?? []
        #expect(Set(again.compactMap { $0["chunk"] as? String }) == Set(unsettled.map(\.id)), "\(again)")
        for entry in again {
            let reason = entry["reason"] as? String ?? ""
            #expect(reason.contains("run.settle"), "\(entry)")
        }
        // So does the terminal: each chunk run 1 verified that is run again is `replanned`, with its reason.
        let replanned = Self.jsonLines(second.stdout).filter { $0["kind"] as? String == "replanned" }
        for event in replanned {
            #expect(unsettled.contains { $0.id == event["chunk"] as? String }, "\(event)")
            #expect(!(event["message"] as? String ?? "").isEmpty, "\(event)")
        }
        let toRunIds = Set(toRun.map(\.id))
        let sameCut = unsettled.filter { toRunIds.contains($0.id) }
        #expect(
            Set(replanned.compactMap { $0["chunk"] as? String }) == Set(sameCut.map(\.id)),
            "a chunk cut as before and run again is announced")
    }
}

extension TruthfulRunTests {
    /// The summary and the report a run left in `workspace`'s `out/`.
    static func written(_ workspace: RunCommandTests.Workspace) throws -> (summary: [String: Any], report: String) {
        let out = workspace.directory.appendingPathComponent("out")
        let summary = try jsonFile(out.appendingPathComponent("run-summary.json").path)
        let report = try String(contentsOf: out.appendingPathComponent("report.html"), encoding: .utf8)
        return (summary, report)
    }

    /// `exportpipe run` of `workspace` against its external simulator.
    static func run(
        _ runner: CLIRunner, _ workspace: RunCommandTests.Workspace, environment: [String: String] = [:],
        _ extra: [String] = []
    ) async throws -> CLIResult {
        try await runner.run(
            ["run", workspace.specPath, "--time-scale", RunCommandTests.scale, "--progress", "plain"] + extra,
            environment: RunCommandTests.environment.merging(environment) { _, new in new }, timeout: 300)
    }

    // MARK: - Failed runs after a good one

    @Test func aRunRefusedItsPasswordOrCompanyKeyAfterAGoodRunLeavesASummaryAndAReportSayingSo() async throws {
        let runner = try CLIRunner()
        let workspace = try RunCommandTests.Workspace(runner: runner)
        defer { workspace.cleanup() }
        let good = try await Self.run(runner, workspace)
        #expect(good.status == 0, "\(good.stderr)")
        #expect(try Self.written(workspace).summary["status"] as? String == "complete")

        // --no-resume: the good run's chunks are not kept, so the run must submit with the wrong credentials.
        let wrongPassword = "not-the-password-a41"
        let refused = try await Self.run(
            runner, workspace, environment: ["EP_PASSWORD": wrongPassword], ["--no-resume"])
        #expect(refused.status == 1, "\(refused.stderr)")
        var (summary, report) = try Self.written(workspace)
        #expect(summary["status"] as? String == "refused_credentials", "\(summary)")
        #expect(summary["exitCode"] as? Int == 1)
        let passwordError = summary["error"] as? String ?? ""
        #expect(passwordError.contains("HTTP 401"), "\(passwordError)")
        #expect(report.contains("Refused credentials: the API did not accept the run"), "the report's banner")
        #expect(report.contains("(exit status 1)"))
        #expect(!report.contains("Complete: every export is merged"))
        #expect(!report.contains("every chunk was reused"), "the report does not describe a run that reused all")
        for text in [refused.stdout, refused.stderr, report, String(describing: summary)] {
            #expect(!text.contains(wrongPassword), "the password is never written")
        }

        let wrongKey = "not-the-company-key-9d0"
        let refusedKey = try await Self.run(
            runner, workspace, environment: ["EP_COMPANY_KEY": wrongKey], ["--no-resume"])
        #expect(refusedKey.status == 1, "\(refusedKey.stderr)")
        (summary, report) = try Self.written(workspace)
        #expect(summary["status"] as? String == "refused_credentials", "\(summary)")
        #expect(summary["exitCode"] as? Int == 1)
        let keyError = summary["error"] as? String ?? ""
        #expect(keyError.contains("api.company_key") && keyError.contains("HTTP 403"), "\(keyError)")
        #expect(report.contains("Refused credentials: the API did not accept the run"), "the report's banner")
        #expect(!report.contains("Complete: every export is merged"))
        for text in [refusedKey.stdout, refusedKey.stderr, report, String(describing: summary)] {
            #expect(!text.contains(wrongKey), "the company key is never written")
        }
    }

    @Test func aRunWithAChunkRefusedEveryTimeAfterAGoodRunLeavesAFailedSummaryListingItAndAReportSayingSo()
        async throws
    {
        let runner = try CLIRunner()
        // The simulator refuses the responses chunk holding noon of the window's third day, every time.
        let probe = try RunCommandTests.Workspace(runner: runner)
        let firstDay = try RunFailureModesTests.firstDay(probe)
        probe.cleanup()
        let third = firstDay.addingTimeInterval(2 * 86_400 + 12 * 3_600)
        let millis = Int64(third.timeIntervalSince1970 * 1000)
        let workspace = try RunCommandTests.Workspace(
            runner: runner, simulatorStyle: ["--faults", "refuse400=response:\(millis)-\(millis + 1)"])
        defer { workspace.cleanup() }

        // A good run first: the same pipeline over its first two days, which the simulator does not refuse.
        let spec = try String(contentsOfFile: workspace.specPath, encoding: .utf8)
        let from = RunFailureModesTests.day(firstDay)
        let twoDays = RunFailureModesTests.day(firstDay.addingTimeInterval(2 * 86_400))
        try spec.replacing(/to: \d{4}-\d{2}-\d{2}/, with: "to: \(twoDays)")
            .write(toFile: workspace.specPath, atomically: true, encoding: .utf8)
        #expect(
            try String(contentsOfFile: workspace.specPath, encoding: .utf8).contains("from: \(from), to: \(twoDays)"))
        let good = try await Self.run(runner, workspace)
        #expect(good.status == 0, "\(good.stderr)")
        #expect(try Self.written(workspace).summary["status"] as? String == "complete")

        try spec.write(toFile: workspace.specPath, atomically: true, encoding: .utf8)
        let failed = try await Self.run(runner, workspace)
        #expect(failed.status == 1, "\(failed.stderr)")
        let (summary, report) = try Self.written(workspace)
        #expect(summary["status"] as? String == "failed", "\(summary)")
        #expect(summary["exitCode"] as? Int == 1)
        let exports = try #require(summary["exports"] as? [[String: Any]])
        let responses = try #require(exports.first { $0["name"] as? String == "responses" })
        let failedChunks = try #require(responses["failedChunks"] as? [[String: Any]])
        #expect(failedChunks.count == 1, "\(failedChunks)")
        for chunk in failedChunks {
            let start = chunk["windowStart"] as? String ?? ""
            let end = chunk["windowEnd"] as? String ?? ""
            let iso = ISO8601DateFormatter()
            let window = (iso.date(from: start), iso.date(from: end))
            #expect(
                window.0.map { $0 <= third } == true && window.1.map { third < $0 } == true,
                "the failed chunk's window holds the refused instant: \(chunk)")
            #expect((chunk["lastError"] as? String ?? "").contains("400"), "\(chunk)")
        }
        #expect((summary["totals"] as? [String: Any])?["failed"] as? Int == 1)
        #expect(responses["output"] == nil, "responses is not written")
        #expect(report.contains("Failed: some chunks failed for good"), "the report's banner")
        #expect(report.contains("<code>exportpipe retry \(workspace.specPath)</code>"), "what to do: retry them")
        #expect(report.contains("(exit status 1)"))
        #expect(!report.contains("Complete: every export is merged"))
    }

    // MARK: - A demo run killed and rerun

    /// Reads `--progress json` lines from `handle` until one is a `verified` event of a chunk in `ids` (bounded:
    /// nil after `timeout` seconds or at the end of the output).
    static func waitForVerified(of ids: Set<String>, in handle: FileHandle, timeout: Double) -> String? {
        let deadline = Date().addingTimeInterval(timeout)
        var buffer = Data()
        while Date() < deadline {
            let data = handle.availableData
            if data.isEmpty { return nil }
            buffer.append(data)
            while let newline = buffer.firstIndex(of: 0x0A) {
                let line = buffer[buffer.startIndex..<newline]
                buffer = Data(buffer[buffer.index(after: newline)...])
                guard let event = try? JSONSerialization.jsonObject(with: line) as? [String: Any],
                    event["kind"] as? String == "verified", let chunk = event["chunk"] as? String, ids.contains(chunk)
                else { continue }
                return chunk
            }
        }
        return nil
    }

    @Test func aDemoRunKilledAfterASettledChunkIsVerifiedIsRerunWithNoMoreWorkThanItsPlanLeft() async throws {
        let runner = try CLIRunner()
        let (directory, spec) = try Self.demoCopy()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let now = Self.realNow()
        let nowMillis = Int64(try #require(ISO8601DateFormatter().date(from: now)).timeIntervalSince1970 * 1000)

        // The chunks that are settled once verified (verified after now, their window ended run.settle before it).
        let fresh = try await runner.run(["plan", spec, "--format", "json", "--now", now])
        #expect(fresh.status == 0, "\(fresh.stderr)")
        let settling = Set(
            try Self.plannedChunks(try Self.json(fresh.stdout)).filter { $0.end <= nowMillis - Self.settleMillis }
                .map(\.id))
        #expect(!settling.isEmpty)

        // Slow enough that jobs are in flight when a chunk is verified.
        let process = Process()
        process.executableURL = runner.binary
        process.arguments = ["run", spec, "--time-scale", "200", "--progress", "json", "--now", now]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        try process.run()
        // The blocking reads run on a thread of their own, not on one of the few the suite's tasks share.
        let handle = pipe.fileHandleForReading
        let verified = await withCheckedContinuation { continuation in
            Thread.detachNewThread {
                continuation.resume(returning: Self.waitForVerified(of: settling, in: handle, timeout: 120))
            }
        }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        #expect(verified != nil, "the first run verified a settled chunk before it was killed")

        let planned = try await runner.run(["plan", spec, "--format", "json", "--now", now])
        #expect(planned.status == 0, "\(planned.stderr)")
        let chunks = try Self.plannedChunks(try Self.json(planned.stdout))
        let kept = chunks.filter(\.kept)
        let toRun = chunks.filter { !$0.kept }
        #expect(kept.contains { $0.id == verified }, "the settled chunk verified before the kill is kept")

        let rerun = try await runner.run(["run", spec, "--progress", "json", "--now", now], timeout: 300)
        #expect(rerun.status == 0, "\(rerun.stderr)")
        for text in [rerun.stdout, rerun.stderr] {
            #expect(!text.contains("Connection refused"), "no request went to the killed run's simulator")
            #expect(!text.contains("could not be read"), "no job of the killed run was chased")
        }
        let summary = try Self.jsonFile(directory + "/out/demo/run-summary.json")
        #expect(summary["status"] as? String == "complete")
        let totals = try #require(summary["totals"] as? [String: Any])
        #expect(totals["reused"] as? Int == kept.count, "\(totals)")
        #expect(totals["chunks"] as? Int == chunks.count + (totals["splits"] as? Int ?? 0), "\(totals)")
        let submitted = (totals["submissions"] as? Int ?? 0) - (totals["rejections"] as? Int ?? 0)
        #expect(
            submitted <= toRun.count + (totals["retries"] as? Int ?? 0) + 2 * (totals["splits"] as? Int ?? 0),
            "the rerun submits the plan's \(toRun.count) chunks to run, once each: \(totals)")
        #expect(totals["stuck"] as? Int == 0)
        // A job chased on a dead simulator fails its status reads until it is given up: none did.
        let events = Self.jsonLines(rerun.stdout)
        #expect(!events.contains { $0["kind"] as? String == "failed" }, "nothing failed, not even for a while")
    }
}

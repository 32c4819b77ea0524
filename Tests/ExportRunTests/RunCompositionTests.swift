import AnalyticsSimulator
import ExportExecutor
import ExportRun
import ExportSpec
import ExportTestSupport
import Foundation
import RunReporting
import Testing

/// The composition the command line runs (`PipelineRun` with the summary/report writer watching), in process over
/// loopback: the same path `exportpipe run` takes from a loaded spec to its outcome.
@Suite("A run composed once", .serialized)
struct RunCompositionTests {
    static let now = TestCalendar.now

    /// A spec file in a fresh folder; `baseURL` is `simulator` (the in-process one) or an external simulator's.
    static func workspace(baseURL: String) throws -> (directory: String, spec: PipelineSpec, path: String) {
        let directory = try PipelineHarness.temporaryDirectory()
        let path = directory + "/pipeline.yaml"
        let text = TwoExportsPipeline.yaml(baseURL: baseURL, name: "composed", chunk: "2d")
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        let loaded = SpecLoader.load(contentsOf: path, now: now)
        let spec = try #require(loaded.spec, "\(loaded.diagnostics)")
        return (directory, spec, path)
    }

    static func run(
        _ spec: PipelineSpec, path: String, environment: [String: String], baseURL: String? = nil
    ) async -> (RunOutcome, RunObserver) {
        var request = RunRequest(now: now, environment: environment)
        request.timeScale = 4_000
        request.coordination = .setting(flag: "none")
        request.baseURL = baseURL
        let directory = PipelineRun.baseDirectory(ofSpec: path)
        let observer = RunObserver(
            RunObserver.Setup(
                pipeline: spec.name, command: "run", specPath: path,
                journalPath: directory + "/state/journal.sqlite", outputDirectory: directory + "/out",
                metricsPath: directory + "/out/metrics.prom", users: ["u1"], outstandingPerUser: 2, timeScale: 4_000))
        let outcome = await PipelineRun(
            spec: spec, specPath: path, request: request, toolVersion: "test", observers: [observer]
        ).run()
        return (outcome, observer)
    }

    static func summary(_ directory: String) throws -> [String: Any] {
        let data = try Data(contentsOf: URL(fileURLWithPath: directory + "/out/run-summary.json"))
        return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    @Test func theInProcessSimulatorRunWritesEveryOutputAndASecondRunSubmitsNothing() async throws {
        let (directory, spec, path) = try Self.workspace(baseURL: "simulator")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let (first, observer) = await Self.run(spec, path: path, environment: [:])
        #expect(first.status == .complete, "\(first.error ?? "")")
        #expect(first.exitCode == 0)
        #expect(first.written.map(\.exportName).sorted() == ["posts", "responses"])
        for record in first.written {
            let file = try #require(record.files.first)
            let bytes = try Data(contentsOf: URL(fileURLWithPath: directory + "/out/" + file.file))
            #expect(Int64(bytes.count) == file.bytes)
        }
        #expect(observer.summary?.status == "complete")
        #expect(try Self.summary(directory)["status"] as? String == "complete")
        #expect((first.execution?.submissions ?? 0) >= (first.plan?.chunks.count ?? .max))

        // Everything is verified and settled (the window ended a month before "now"): nothing is exported again.
        let (second, _) = await Self.run(spec, path: path, environment: [:])
        #expect(second.status == .complete, "\(second.error ?? "")")
        #expect(second.execution?.submissions == 0)
        #expect(second.exportedAgain.isEmpty)
        #expect(second.plan?.exports.allSatisfy { $0.chunksToRun.isEmpty } == true)
        #expect(second.outputs.keys.sorted() == ["posts", "responses"])
    }

    @Test func aRunRefusedItsCredentialsAfterAGoodRunLeavesASummaryThatSaysSo() async throws {
        try await SimulatorHarness.withSimulator(
            SimulatorConfiguration(seed: 3, timeScale: 4_000, companyKey: "key-1", users: ["u1": "right-pw"])
        ) { simulator in
            let (directory, spec, path) = try Self.workspace(baseURL: simulator.baseURL)
            defer { try? FileManager.default.removeItem(atPath: directory) }
            let good = await Self.run(
                spec, path: path, environment: ["EP_PASSWORD": "right-pw", "EP_COMPANY_KEY": "key-1"]
            ).0
            #expect(good.status == .complete, "\(good.error ?? "")")
            #expect(try Self.summary(directory)["status"] as? String == "complete")

            // A fresh state directory, so the run must submit, and the wrong password.
            try FileManager.default.removeItem(atPath: directory + "/state")
            let refused = await Self.run(
                spec, path: path, environment: ["EP_PASSWORD": "wrong-pw", "EP_COMPANY_KEY": "key-1"]
            ).0
            #expect(refused.status == .refusedCredentials)
            #expect(refused.exitCode == 1)
            let summary = try Self.summary(directory)
            #expect(summary["status"] as? String == "refused_credentials")
            #expect(summary["exitCode"] as? Int == 1)
            let error = try #require(summary["error"] as? String)
            #expect(error.contains("HTTP 401") && error.contains("user u1"), "\(error)")
            #expect(!error.contains("wrong-pw"))
            let report = try String(contentsOfFile: directory + "/out/report.html", encoding: .utf8)
            #expect(!report.contains("wrong-pw"))
            let metrics = try String(contentsOfFile: directory + "/out/metrics.prom", encoding: .utf8)
            #expect(!metrics.contains("wrong-pw"))
        }
    }
}

import ExportTestSupport
import Foundation
import Testing

/// Several `exportpipe run` processes of one company and one API user against one `exportpipe simulator`: the
/// coordinator makes them share the queue limits (issue 16). Embedded (the default, no configuration) and on
/// PostgreSQL with a runner killed with SIGKILL and restarted.
@Suite("runners of one company share the queue limits", .serialized)
struct SharedLimitsTests {
    /// Slow enough that the three runners' jobs overlap (a job of 20 API s lasts 0.1 s), fast enough for a test.
    static let scale = "200"
    static let password = "shared-test-password-3c9"
    static let companyKey = "shared-test-company-d41"
    static let environment = ["EP_PASSWORD": password, "EP_COMPANY_KEY": companyKey]
    /// Three pipelines of one user: different exports, so their outputs differ.
    static let pipelines: [(name: String, workqueues: String)] = [("alpha", "4, 5"), ("beta", "6, 7"), ("gamma", "8")]

    static func spec(name: String, workqueues: String, baseURL: String) -> String {
        """
        version: 1
        name: \(name)
        api:
          base_url: \(baseURL)
          company_key: ${EP_COMPANY_KEY}
          users:
            - username: u1
              password_env: EP_PASSWORD
        defaults: { timezone: UTC, locale: en, chunk: 2d }
        window: { from: 2026-10-22, to: 2026-10-30 }
        exports:
          - name: posts
            type: incoming_post
            filters: { workqueues: [\(workqueues)] }
            split_by: workqueue
          - name: responses
            type: response
            filters: { workqueues: [\(workqueues)] }
        output: { dir: out, state_dir: state }
        """
    }

    /// One simulator and a folder per pipeline.
    struct Setup {
        let root: URL
        let simulator: SimulatorProcess
        /// Shared by the runners of this setup only.
        let stateHome: String

        init(runner: CLIRunner) throws {
            root = FileManager.default.temporaryDirectory.appendingPathComponent("ep-shared-\(UUID().uuidString)")
            stateHome = root.appendingPathComponent("state-home").path
            try FileManager.default.createDirectory(atPath: stateHome, withIntermediateDirectories: true)
            simulator = try SimulatorProcess(
                binary: runner.binary,
                arguments: [
                    "--seed", "5", "--time-scale", SharedLimitsTests.scale, "--user",
                    "u1:\(SharedLimitsTests.password)", "--company-key", SharedLimitsTests.companyKey,
                ])
            for pipeline in SharedLimitsTests.pipelines {
                let directory = root.appendingPathComponent(pipeline.name)
                try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
                try SharedLimitsTests.spec(
                    name: pipeline.name, workqueues: pipeline.workqueues, baseURL: simulator.baseURL
                ).write(toFile: specPath(pipeline.name), atomically: true, encoding: .utf8)
            }
        }

        func specPath(_ name: String) -> String { root.appendingPathComponent("\(name)/pipeline.yaml").path }

        func outputs(_ name: String) throws -> [String: Data] {
            var result: [String: Data] = [:]
            for file in ["posts.csv", "responses.csv"] {
                result[file] = try Data(contentsOf: root.appendingPathComponent("\(name)/out/\(file)"))
            }
            return result
        }

        func environment(_ extra: [String: String] = [:]) -> [String: String] {
            SharedLimitsTests.environment.merging(["XDG_STATE_HOME": stateHome]) { _, new in new }
                .merging(extra) { _, new in new }
        }

        /// Starts `exportpipe run` for `name` without waiting; its output goes to a log file in its folder.
        func start(_ runner: CLIRunner, _ name: String, _ arguments: [String] = [], environment: [String: String])
            throws -> Process
        {
            let process = Process()
            process.executableURL = runner.binary
            process.arguments =
                ["run", specPath(name), "--time-scale", SharedLimitsTests.scale, "--progress", "plain"]
                + arguments
            process.environment = ProcessInfo.processInfo.environment.merging(environment) { _, new in new }
            let log = root.appendingPathComponent("\(name)/run-\(UUID().uuidString.prefix(6)).log")
            FileManager.default.createFile(atPath: log.path, contents: nil)
            let handle = try FileHandle(forWritingTo: log)
            process.standardOutput = handle
            process.standardError = handle
            process.standardInput = FileHandle.nullDevice
            try process.run()
            return process
        }

        func logs(_ name: String) -> String {
            let directory = root.appendingPathComponent(name)
            let files = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
            return files.filter { $0.hasSuffix(".log") }.sorted().map {
                "\($0):\n"
                    + ((try? String(contentsOfFile: directory.appendingPathComponent($0).path, encoding: .utf8)) ?? "")
            }.joined(separator: "\n")
        }

        func cleanup() {
            simulator.stop()
            try? FileManager.default.removeItem(at: root)
        }
    }

    /// Waits for `process` without blocking a thread of the cooperative pool; kills it after `timeout` s.
    static func waitForExit(_ process: Process, timeout: Double = 300) async throws {
        let start = Date()
        while process.isRunning {
            if Date().timeIntervalSince(start) > timeout {
                kill(process.processIdentifier, SIGKILL)
                Issue.record("exportpipe run pid \(process.processIdentifier) did not finish within \(Int(timeout)) s")
            }
            try await Task.sleep(nanoseconds: 20_000_000)
        }
        process.waitUntilExit()  // it has exited: this only reaps it
    }

    static func users(_ stats: [String: Any]) -> [String: Any] { stats["users"] as? [String: Any] ?? [:] }
    static func count(_ stats: [String: Any], _ key: String) -> Int { users(stats)[key] as? Int ?? 0 }
    static func peak(_ stats: [String: Any], _ key: String, user: String? = nil) -> Int {
        if let user { return (stats[key] as? [String: Any])?[user] as? Int ?? 0 }
        return stats[key] as? Int ?? 0
    }

    /// Each pipeline run alone, one after the other, on a simulator of its own: the reference outputs and the
    /// number of jobs the three plans need.
    static func reference(_ runner: CLIRunner) async throws -> (
        outputs: [String: [String: Data]], jobs: Int, seconds: Double
    ) {
        let alone = try Setup(runner: runner)
        defer { alone.cleanup() }
        var outputs: [String: [String: Data]] = [:]
        let started = Date()
        for pipeline in pipelines {
            let process = try alone.start(runner, pipeline.name, environment: alone.environment())
            try await waitForExit(process)
            #expect(process.terminationStatus == 0, "\(alone.logs(pipeline.name))")
            outputs[pipeline.name] = try alone.outputs(pipeline.name)
        }
        let stats = try await alone.simulator.stats()
        #expect(count(stats, "rejectedUserQueue") + count(stats, "rejectedCompanyQueue") == 0)
        return (outputs, count(stats, "submissions"), Date().timeIntervalSince(started))
    }

    @Test("three pipelines of one user started together: the embedded default keeps them within the limits")
    func threeTogetherEmbedded() async throws {
        let runner = try CLIRunner()
        let (expected, jobs, _) = try await Self.reference(runner)
        #expect(jobs >= 3 * 6)

        let together = try Setup(runner: runner)
        defer { together.cleanup() }
        let processes = try Self.pipelines.map {
            try together.start(runner, $0.name, environment: together.environment())
        }
        for (process, pipeline) in zip(processes, Self.pipelines) {
            try await Self.waitForExit(process)
            #expect(process.terminationStatus == 0, "\(together.logs(pipeline.name))")
        }
        let stats = try await together.simulator.stats()
        #expect(Self.count(stats, "submissions") == jobs)
        #expect(Self.count(stats, "rejectedUserQueue") + Self.count(stats, "rejectedCompanyQueue") == 0)
        #expect(Self.peak(stats, "maxQueuedPerUser", user: "u1") <= 2)
        #expect(Self.peak(stats, "maxRunningCompany") <= 4)
        for pipeline in Self.pipelines {
            #expect(try together.outputs(pipeline.name) == expected[pipeline.name], "\(pipeline.name)")
        }
    }

    @Test("three runners on PostgreSQL under different host identities, one killed with SIGKILL and restarted")
    func threeOnPostgresOneKilled() async throws {
        guard let base = ProcessInfo.processInfo.environment["EXPORTPIPE_TEST_POSTGRES_URL"], !base.isEmpty else {
            if ProcessInfo.processInfo.environment["CI"].map({ !$0.isEmpty }) ?? false {
                Issue.record("CI is set but EXPORTPIPE_TEST_POSTGRES_URL is not: start scripts/postgres-test-server")
            }
            return
        }
        let schema = "e2e_\(UUID().uuidString.prefix(8).lowercased())"
        let url = base + (base.contains("?") ? "&" : "?") + "schema=\(schema)"
        let runner = try CLIRunner()
        let (expected, jobs, _) = try await Self.reference(runner)

        let together = try Setup(runner: runner)
        defer { together.cleanup() }
        // Short leases, so the killed runner's slots turn into orphans (or, without a job, are freed) quickly.
        let timing = ["EXPORTPIPE_LEASE_SECONDS": "2", "EXPORTPIPE_NO_JOB_GRACE_SECONDS": "4"]
        func environment(_ host: String) -> [String: String] {
            together.environment(timing.merging(["EXPORTPIPE_HOST_ID": host]) { _, new in new })
        }
        let arguments = ["--coordinator", url]
        var processes = try Self.pipelines.enumerated().map { index, pipeline in
            try together.start(runner, pipeline.name, arguments, environment: environment("host-\(index)"))
        }
        // Kill the first runner mid-run — once a quarter of the jobs were submitted — then start it again.
        let victim = Self.pipelines[0].name
        while processes[0].isRunning, Self.count(try await together.simulator.stats(), "submissions") < jobs / 4 {
            try await Task.sleep(nanoseconds: 10_000_000)
        }
        let killed = processes[0].isRunning
        if killed { kill(processes[0].processIdentifier, SIGKILL) }
        try await Self.waitForExit(processes[0])
        #expect(killed, "the runner to kill had finished already")
        processes[0] = try together.start(runner, victim, arguments, environment: environment("host-0"))
        for (process, pipeline) in zip(processes, Self.pipelines) {
            try await Self.waitForExit(process)
            #expect(process.terminationStatus == 0, "\(together.logs(pipeline.name))")
        }
        let stats = try await together.simulator.stats()
        let submissions = Self.count(stats, "submissions")
        #expect(submissions >= jobs && submissions <= jobs + 1, "\(submissions) submissions for \(jobs) jobs")
        #expect(Self.count(stats, "rejectedUserQueue") + Self.count(stats, "rejectedCompanyQueue") == 0)
        #expect(Self.peak(stats, "maxQueuedPerUser", user: "u1") <= 2)
        #expect(Self.peak(stats, "maxRunningCompany") <= 4)
        for pipeline in Self.pipelines {
            #expect(try together.outputs(pipeline.name) == expected[pipeline.name], "\(pipeline.name)")
        }
        // `status` shows the company's slots from the same store, never a token.
        let status = try await runner.run(
            ["status", together.specPath(victim), "--coordinator", url], environment: environment("host-0"))
        #expect(status.status == 0, "\(status.stderr)")
        #expect(status.stdout.contains("company slots"), "\(status.stdout)")
        let tokens = status.stdout.components(separatedBy: "token=").dropFirst()
        #expect(tokens.allSatisfy { $0.hasPrefix("<redacted>") }, "\(status.stdout)")
    }
}

import ExportTestSupport
import Foundation
import Testing

@testable import ExportCoordination

/// Real OS processes (`exportpipe-coordination-stress`) on one store: the limits hold across them, and a process
/// killed with SIGKILL while holding slots does not break them.
@Suite("Coordinator across processes")
struct MultiProcessTests {
    static let backends = Backend.tested.filter { $0 != .inProcess }

    @Test("three processes never exceed the limits together", arguments: backends)
    func threeProcesses(_ backend: Backend) async throws {
        let fixture = CoordinatorFixture(backend)
        let run = try StressRun(fixture)
        defer { run.cleanUp() }
        let processes = try ["alice", "alice", "bob"].map {
            try run.start(user: $0, ["--workers", "4", "--rounds", "6", "--per-user", "2", "--company", "3"])
        }
        for process in processes {
            try await run.waitForExit(process)
            #expect(process.terminationStatus == 0, "\(run.stderr(of: process))")
        }
        let events = try run.events()
        #expect(events.filter { $0.kind == "enter" }.count == 3 * 4 * 6)
        let peaks = StressRun.peaks(events)
        #expect(peaks.perUser["alice", default: 0] <= 2)
        #expect(peaks.perUser["bob", default: 0] <= 2)
        #expect(peaks.total <= 3)
        await fixture.tearDown([try await fixture.make()])
    }

    @Test(
        "a process killed while holding slots: the others keep the limit and go on after the grace", arguments: backends
    )
    func killedHolder(_ backend: Backend) async throws {
        let fixture = CoordinatorFixture(backend)
        let run = try StressRun(fixture)
        defer { run.cleanUp() }
        let short = ["--per-user", "2", "--lease", "1", "--grace", "2", "--hold-ms", "20"]
        let victim = try run.start(user: "alice", ["--workers", "2", "--rounds", "1000"] + short)
        // Kill it once it has held slots a few times (it is then holding or about to hold some).
        try await eventually("the victim works") {
            try run.events().filter { $0.pid == victim.processIdentifier && $0.kind == "enter" }.count >= 5
        }
        let survivors = try (0..<2).map { _ in
            try run.start(user: "alice", ["--workers", "2", "--rounds", "5"] + short)
        }
        let killedAt = StressRun.monotonicNow()
        kill(victim.processIdentifier, SIGKILL)
        try await run.waitForExit(victim)
        for survivor in survivors {
            try await run.waitForExit(survivor)
            #expect(survivor.terminationStatus == 0, "\(run.stderr(of: survivor))")
        }
        // What the victim held when it died ends there (its slots stay taken in the store until the grace ends).
        var events = try run.events()
        let victimEvents = events.filter { $0.pid == victim.processIdentifier }
        let open = victimEvents.filter { $0.kind == "enter" }.count - victimEvents.filter { $0.kind == "leave" }.count
        #expect(open >= 0)
        events += Array(
            repeating: StressRun.Event(pid: victim.processIdentifier, user: "alice", kind: "leave", time: killedAt),
            count: max(0, open))
        let survivorIds = Set(survivors.map(\.processIdentifier))
        #expect(events.filter { survivorIds.contains($0.pid) && $0.kind == "enter" }.count == 2 * 2 * 5)
        #expect(StressRun.peaks(events).perUser["alice", default: 0] <= 2)
        await fixture.tearDown([try await fixture.make()])
    }
}

/// One test's stress processes and their shared log.
struct StressRun {
    struct Event {
        var pid: Int32
        var user: String
        var kind: String
        var time: Int64
    }

    let fixture: CoordinatorFixture
    let log: String
    let binary: URL

    init(_ fixture: CoordinatorFixture) throws {
        self.fixture = fixture
        try FileManager.default.createDirectory(atPath: fixture.stateHome, withIntermediateDirectories: true)
        log = fixture.stateHome + "/stress.log"
        _ = FileManager.default.createFile(atPath: log, contents: nil)
        let runner = URL(fileURLWithPath: CommandLine.arguments.first ?? ".").resolvingSymlinksInPath()
        var directory = runner.deletingLastPathComponent()
        // Swift Testing may run from inside the .xctest bundle; the executables sit beside it.
        while !FileManager.default.fileExists(atPath: directory.appendingPathComponent(Self.name).path),
            directory.pathComponents.count > 1
        {
            directory = directory.deletingLastPathComponent()
        }
        binary = directory.appendingPathComponent(Self.name)
        guard FileManager.default.isExecutableFile(atPath: binary.path) else {
            throw CoordinationError.store("\(Self.name) not found beside \(runner.path): run swift build")
        }
    }

    static let name = "exportpipe-coordination-stress"

    func start(user: String, _ extra: [String]) throws -> Process {
        let process = Process()
        process.executableURL = binary
        var store: [String]
        switch fixture.backend {
        case .embedded: store = ["--store", "embedded:\(fixture.stateHome)"]
        case .postgres:
            store = [
                "--store", "postgres:\(PostgresTestDatabase.url ?? "")", "--schema", fixture.schema, "--timeout", "120",
            ]
        case .inProcess: store = []
        }
        process.arguments = store + ["--user", user, "--log", log, "--pipeline", "stress-\(user)"] + extra
        // Its complaints go to a file of its own, shown by a failing expectation (a pipe could fill and block it).
        let errors = fixture.stateHome + "/stress-\(UUID().uuidString).err"
        _ = FileManager.default.createFile(atPath: errors, contents: nil)
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: errors))
        process.standardOutput = FileHandle.nullDevice
        process.environment = ProcessInfo.processInfo.environment.merging(["EXPORTPIPE_STRESS_ERRORS": errors]) {
            _, new in new
        }
        try process.run()
        return process
    }

    /// Waits for `process` to end without blocking a thread of the cooperative pool (`waitUntilExit()` would: with
    /// two cores, two such waits stall every other test of the process, PostgreSQL transactions included, and their
    /// open transactions then stall the stress processes too). Kills it after `timeout` s, a guard against a hang.
    func waitForExit(_ process: Process, timeout: Double = 300) async throws {
        let start = Date()
        while process.isRunning {
            if Date().timeIntervalSince(start) > timeout {
                kill(process.processIdentifier, SIGKILL)
                Issue.record("\(Self.name) pid \(process.processIdentifier) did not finish within \(Int(timeout)) s")
            }
            try await Task.sleep(nanoseconds: 20_000_000)
        }
        process.waitUntilExit()  // it has exited: this only reaps it
    }

    /// What `process` wrote to standard error.
    func stderr(of process: Process) -> String {
        guard let path = process.environment?["EXPORTPIPE_STRESS_ERRORS"] else { return "" }
        let text = (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
        return "exit \(process.terminationStatus); stderr: \(text.isEmpty ? "(empty)" : text)"
    }

    func events() throws -> [Event] {
        try String(contentsOfFile: log, encoding: .utf8).split(separator: "\n").compactMap { line in
            let parts = line.split(separator: " ")
            guard parts.count == 4, let pid = Int32(parts[0]), let time = Int64(parts[3]) else { return nil }
            return Event(pid: pid, user: String(parts[1]), kind: String(parts[2]), time: time)
        }.sorted { $0.time < $1.time }
    }

    /// The most holders at once, per user and in total (a leave is counted before an enter at the same instant).
    static func peaks(_ events: [Event]) -> (perUser: [String: Int], total: Int) {
        var current: [String: Int] = [:]
        var perUser: [String: Int] = [:]
        var total = 0
        let ordered = events.sorted { ($0.time, $0.kind == "enter" ? 1 : 0) < ($1.time, $1.kind == "enter" ? 1 : 0) }
        for event in ordered {
            switch event.kind {
            case "enter":
                current[event.user, default: 0] += 1
                perUser[event.user] = max(perUser[event.user] ?? 0, current[event.user]!)
                total = max(total, current.values.reduce(0, +))
            case "leave": current[event.user, default: 0] -= 1
            default: break
            }
        }
        return (perUser, total)
    }

    static func monotonicNow() -> Int64 {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return Int64(now.tv_sec) * 1_000_000_000 + Int64(now.tv_nsec)
    }

    func cleanUp() {
        try? FileManager.default.removeItem(atPath: fixture.stateHome)
    }
}

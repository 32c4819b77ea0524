// Several OS processes sharing one coordinator store: each runs workers that acquire a slot, hold it for a while,
// and release it, logging every enter and leave with the system-wide monotonic clock. The contract tests read the
// logs back and check that the limits held across processes; scripts can use it to measure hand-offs.
//
//   exportpipe-coordination-stress --store embedded:/tmp/state | postgres:URL --user U --log FILE
//       [--workers 4] [--rounds 10] [--per-user 2] [--company 50] [--hold-ms 5] [--pipeline NAME] [--schema S]
//       [--lease SECONDS] [--grace SECONDS] [--timeout SECONDS (PostgreSQL operations, default 30)]
//
// Log lines: "<pid> <user> enter|leave <monotonic nanoseconds>", one write(2) each (O_APPEND: lines never mix).
import ExportCoordination
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("exportpipe-coordination-stress: \(message)\n".utf8))
    exit(2)
}

let options: [String: String] = {
    var options: [String: String] = [:]
    var arguments = CommandLine.arguments.dropFirst()
    while let name = arguments.popFirst() {
        guard name.hasPrefix("--"), let value = arguments.popFirst() else { fail("bad argument \(name)") }
        options[String(name.dropFirst(2))] = value
    }
    return options
}()
func option(_ name: String, _ fallback: String? = nil) -> String {
    guard let value = options[name] ?? fallback else { fail("--\(name) is required") }
    return value
}
func number(_ name: String, _ fallback: Double) -> Double {
    guard let value = Double(option(name, String(fallback))) else { fail("--\(name) must be a number") }
    return value
}

let user = option("user")
let workers = Int(number("workers", 4))
let rounds = Int(number("rounds", 10))
let holdNanoseconds = UInt64(number("hold-ms", 5) * 1e6)
let timing = CoordinationTiming(
    leaseDuration: number("lease", 60), noJobGrace: number("grace", 600), orphanProbeInterval: 30,
    waiterTimeToLive: 30, maximumWait: 1)
let limits: SlotLimits
do {
    limits = try SlotLimits(
        outstandingPerUser: Int(number("per-user", 2)), runningPerCompany: 4,
        queuedPerCompany: Int(number("company", 50)))
} catch { fail("\(error)") }
let scope = SlotScope(origin: "http://127.0.0.1:1", companyDigest: String(repeating: "cd", count: 32))
let holder = HolderIdentity.current(pipeline: option("pipeline", "stress"))
let logFile = open(option("log"), O_WRONLY | O_APPEND | O_CREAT, 0o600)
guard logFile >= 0 else { fail("cannot open the log") }

func log(_ event: String) {
    var now = timespec()
    clock_gettime(CLOCK_MONOTONIC, &now)
    let line = "\(getpid()) \(user) \(event) \(Int64(now.tv_sec) * 1_000_000_000 + Int64(now.tv_nsec))\n"
    _ = line.withCString { write(logFile, $0, strlen($0)) }
}

let store = option("store")
let coordinator: TableCoordinator
do {
    if store.hasPrefix("embedded:") {
        coordinator = try TableCoordinator.embedded(stateHome: String(store.dropFirst(9)), timing: timing)
    } else if store.hasPrefix("postgres:") {
        var settings = try PostgresSettings(url: String(store.dropFirst(9)))
        if let schema = options["schema"] { settings.schema = schema }
        if let seconds = options["timeout"].flatMap(Double.init) { settings.operationTimeout = seconds }
        coordinator = try await TableCoordinator.postgres(settings, timing: timing)
    } else {
        fail("--store must be embedded:DIR or postgres:URL")
    }
} catch { fail("\(error)") }

let request = SlotRequest(scope: scope, user: user, limits: limits, holder: holder)
do {
    try await withThrowingTaskGroup(of: Void.self) { group in
        for _ in 0..<workers {
            group.addTask {
                for _ in 0..<rounds {
                    let lease = try await coordinator.acquire(request)
                    log("enter")
                    try await Task.sleep(nanoseconds: holdNanoseconds)
                    log("leave")
                    try await coordinator.release(lease)
                }
            }
        }
        try await group.waitForAll()
    }
} catch { fail("\(error)") }
await coordinator.close()
log("done")

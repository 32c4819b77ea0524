import Foundation
import Testing

@testable import ExportCoordination

/// A clock the test moves by hand.
final class ManualClock: @unchecked Sendable {
    private let lock = NSLock()
    private var current = Date(timeIntervalSince1970: 1_750_000_000)

    var now: Date { lock.withLock { current } }

    func advance(_ seconds: TimeInterval) {
        lock.withLock { current = current.addingTimeInterval(seconds) }
    }

    var function: @Sendable () -> Date { { self.now } }
}

/// The three implementations the contract suite runs against.
enum Backend: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case inProcess = "in-process"
    case embedded = "embedded SQLite"
    case postgres = "PostgreSQL"

    var testDescription: String { rawValue }

    /// The backends this run tests: PostgreSQL when a URL is given, and always under CI (where a missing URL fails).
    static var tested: [Backend] {
        PostgresTestDatabase.isRequired ? allCases : [.inProcess, .embedded]
    }
}

enum PostgresTestDatabase {
    static let environment = ProcessInfo.processInfo.environment
    static var url: String? { environment["EXPORTPIPE_TEST_POSTGRES_URL"].flatMap { $0.isEmpty ? nil : $0 } }
    static var isCI: Bool { environment["CI"].map { !$0.isEmpty } ?? false }
    /// Tests that need PostgreSQL run when the URL is set, and under CI — where a missing URL is a failure.
    static var isRequired: Bool { url != nil || isCI }

    static func settings(schema: String) throws -> PostgresSettings {
        guard let url else {
            throw CoordinationError.configuration(
                "CI is set but EXPORTPIPE_TEST_POSTGRES_URL is not: .ci/run must start scripts/postgres-test-server")
        }
        var settings = try PostgresSettings(url: url)
        settings.schema = schema
        // The full suite on two cores can keep a transaction waiting well past the product's 30 s.
        settings.operationTimeout = 120
        return settings
    }
}

/// One test's store, and coordinators on it: each `make()` is another "process" sharing the store.
final class CoordinatorFixture: Sendable {
    let backend: Backend
    let clock = ManualClock()
    let timing: CoordinationTiming
    private let inProcessStore: InProcessSlotStore
    let stateHome: String
    let schema: String

    init(_ backend: Backend, timing: CoordinationTiming = CoordinatorFixture.testTiming) {
        self.backend = backend
        self.timing = timing
        inProcessStore = InProcessSlotStore(clock: clock.function)
        let id = UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "").prefix(12)
        stateHome = NSTemporaryDirectory() + "exportpipe-coordination-tests/\(id)"
        schema = "test_\(id)"
    }

    /// Leases of 10 s, a grace of 100 s, probes every 5 s, places that never time out by themselves; waiters look
    /// again every 50 ms of real time, so a clock moved by hand is noticed.
    static let testTiming = CoordinationTiming(
        leaseDuration: 10, noJobGrace: 100, orphanProbeInterval: 5, waiterTimeToLive: 1_000_000, maximumWait: 0.05)

    static let scope = SlotScope(origin: "http://127.0.0.1:8080", companyDigest: String(repeating: "ab", count: 32))

    func make() async throws -> TableCoordinator {
        switch backend {
        case .inProcess:
            return TableCoordinator(store: inProcessStore, timing: timing, storeDescription: "in-process")
        case .embedded:
            return try TableCoordinator.embedded(stateHome: stateHome, timing: timing, clock: clock.function)
        case .postgres:
            return try await TableCoordinator.postgres(
                PostgresTestDatabase.settings(schema: schema), timing: timing, clock: clock.function)
        }
    }

    /// Removes the test's store (the SQLite directory, the PostgreSQL schema).
    func tearDown(_ coordinators: [TableCoordinator]) async {
        for coordinator in coordinators {
            if backend == .postgres, let store = coordinator.store as? PostgresSlotStore {
                try? await store.dropSchema()
            }
            await coordinator.close()
        }
        try? FileManager.default.removeItem(atPath: stateHome)
    }

    func request(_ user: String, limits: SlotLimits = .standard, pipeline: String = "p") -> SlotRequest {
        SlotRequest(
            scope: Self.scope, user: user, limits: limits,
            holder: HolderIdentity(pipeline: pipeline, host: "test-host", pid: 4242))
    }
}

/// An ordered log shared by tasks.
actor Log<Element: Sendable> {
    private(set) var entries: [Element] = []
    func append(_ element: Element) { entries.append(element) }
}

func limits(_ perUser: Int, company: Int = 50) throws -> SlotLimits {
    try SlotLimits(outstandingPerUser: perUser, runningPerCompany: 4, queuedPerCompany: company)
}

import Foundation
import Logging
import Testing

@testable import ExportCoordination

@Suite("Coordination settings")
struct CoordinationSettingsTests {
    @Test func scopeKeepsOnlyADigestOfTheCompanyKey() throws {
        let scope = try SlotScope(baseURL: URL(string: "HTTPS://API.Example.com/api/public")!, companyKey: "secret-key")
        #expect(scope.origin == "https://api.example.com:443")
        #expect(scope.companyDigest.count == 64)
        #expect(!scope.key.contains("secret-key"))
        #expect(!scope.description.contains("secret-key"))
        let other = try SlotScope(baseURL: URL(string: "http://127.0.0.1:8081")!, companyKey: "secret-key")
        #expect(other.origin == "http://127.0.0.1:8081")
        #expect(other != scope)
    }

    @Test func limitsAreCheckedNotClamped() throws {
        #expect(SlotLimits.standard.outstandingPerUser == 2)
        #expect(SlotLimits.standard.queuedPerCompany == 50)
        #expect(SlotLimits.standard.runningPerCompany == 4)
        #expect(throws: CoordinationError.self) { _ = try SlotLimits(outstandingPerUser: 6) }
        #expect(throws: CoordinationError.self) { _ = try SlotLimits(outstandingPerUser: 0) }
        #expect(throws: CoordinationError.self) { _ = try SlotLimits(outstandingPerUser: 3, queuedPerCompany: 2) }
        #expect(
            try SlotLimits(outstandingPerUser: 5, runningPerCompany: 8, queuedPerCompany: 100).queuedPerCompany == 100)
    }

    @Test func postgresURL() throws {
        let settings = try PostgresSettings(
            url: "postgres://runner@db.internal:6543/exports?sslmode=disable&schema=team_a",
            environment: ["PGPASSWORD": "hunter22"])
        #expect(settings.host == "db.internal")
        #expect(settings.port == 6543)
        #expect(settings.username == "runner")
        #expect(settings.database == "exports")
        #expect(settings.schema == "team_a")
        #expect(settings.password == "hunter22")
        #expect(!settings.redacted.contains("hunter22"))
        let explicit = try PostgresSettings(
            url: "postgres://runner@db/exports", password: "pw-from-env", environment: [:])
        #expect(explicit.password == "pw-from-env")
        #expect(explicit.port == 5432)
        #expect(explicit.schema == "exportpipe_coordination")
    }

    @Test func aPasswordInTheURLIsUsedAndNeverShown() throws {
        // Only a URL from the environment can get here with its password (a spec or --coordinator refuses it).
        let settings = try PostgresSettings(
            url: "postgres://runner:hunter22@db/exports", password: "pw-from-env", environment: ["PGPASSWORD": "x"])
        #expect(settings.password == "hunter22", "the URL's own password comes first")
        #expect(!settings.redacted.contains("hunter22"))
        #expect(throws: CoordinationError.self) { _ = try PostgresSettings(url: "mysql://x@y/z", environment: [:]) }
        #expect(throws: CoordinationError.self) {
            _ = try PostgresSettings(url: "postgres://x@y/z?schema=Bad-Name", environment: [:])
        }
        do {
            _ = try PostgresSettings(url: "mysql://runner:hunter22@db/x", environment: [:])
        } catch let error as CoordinationError {
            #expect(!error.message.contains("hunter22"), "\(error.message)")
        }
    }

    @Test func stateHome() {
        #expect(TableCoordinator.defaultStateHome(environment: ["XDG_STATE_HOME": "/s", "HOME": "/h"]) == "/s")
        #expect(TableCoordinator.defaultStateHome(environment: ["HOME": "/h"]) == "/h/.local/state")
        #expect(
            TableCoordinator.defaultStateHome(environment: ["XDG_STATE_HOME": "rel", "HOME": "/h"]) == "/h/.local/state"
        )
    }

    @Test func embeddedStoreIsPrivate() async throws {
        let home = NSTemporaryDirectory() + "exportpipe-coordination-mode-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: home) }
        let coordinator = try TableCoordinator.embedded(stateHome: home)
        let holder = HolderIdentity(pipeline: "p", host: "h", pid: 1)
        let lease = try await coordinator.acquire(
            SlotRequest(scope: CoordinatorFixture.scope, user: "u", holder: holder))
        try await coordinator.release(lease)
        let directory = home + "/exportpipe"
        let files = try FileManager.default.contentsOfDirectory(atPath: directory)
        #expect(files.contains { $0.hasPrefix("company-") && $0.hasSuffix(".sqlite") })
        for file in files {
            let mode =
                try FileManager.default.attributesOfItem(atPath: directory + "/" + file)[.posixPermissions] as? Int
            #expect(mode == 0o600, "\(file)")
        }
        let directoryMode = try FileManager.default.attributesOfItem(atPath: directory)[.posixPermissions] as? Int
        #expect(directoryMode == 0o700)
        await coordinator.close()
    }

    // The store's own deadline is 1 s; the limit only stops a hang. A full suite on two cores has taken this test
    // past a minute while its deadline's task waited for a thread (alone it takes ~3 s).
    @Test("an unreachable PostgreSQL fails with the store named, no password", .timeLimit(.minutes(5)))
    func unreachablePostgres() async throws {
        // Port 9 (discard) on loopback: nothing listens there.
        var settings = try PostgresSettings(
            url: "postgres://runner@127.0.0.1:9/exports?sslmode=disable", environment: ["PGPASSWORD": "hunter22"])
        settings.operationTimeout = 1
        do {
            var quiet = Logger(label: "test")
            quiet.logLevel = .critical
            let coordinator = try await TableCoordinator.postgres(settings, logger: quiet)
            await coordinator.close()
            Issue.record("connected to a port where nothing listens")
        } catch let error as CoordinationError {
            #expect(error.message.contains("postgres://runner@127.0.0.1:9/exports"))
            #expect(!error.message.contains("hunter22"))
        }
    }
}

import ExportCoordination
import ExportRun
import ExportSpec
import Foundation
import PostgresNIO
import Testing

/// `run.coordinator_password_env`: the PostgreSQL coordinator signs in with the password of the variable the spec
/// names (over PGPASSWORD), against a real server whose role `exportpipe_password_check` needs a password
/// (scripts/postgres-test-server puts it first in pg_hba.conf, scram-sha-256). Serialized: each test sets that
/// role's password.
@Suite("The coordinator's password from a named variable", .serialized)
struct CoordinatorPasswordTests {
    static let role = "exportpipe_password_check"
    static let environment = ProcessInfo.processInfo.environment

    @Test func theNamedVariablesPasswordSignsInAndAMissingVariableIsNamed() async throws {
        guard let (admin, password) = try await Self.roleWithANewPassword() else { return }
        let schema = "pwcheck_" + String(UUID().uuidString.lowercased().filter(\.isHexDigit).prefix(12))
        let url =
            "postgres://\(Self.role)@\(admin.host):\(admin.port)/\(admin.database ?? "postgres")"
            + "?sslmode=disable&schema=\(schema)"

        // PGPASSWORD is wrong: only the named variable's password can sign in.
        let coordinator = try await RunCoordination.open(
            .postgres(url: url), passwordVariable: "EXPORTPIPE_TEST_COORDINATOR_PASSWORD",
            environment: ["EXPORTPIPE_TEST_COORDINATOR_PASSWORD": password, "PGPASSWORD": "not-the-password"])
        let lease = try await coordinator.acquire(
            SlotRequest(
                scope: SlotScope(origin: "http://127.0.0.1:1", companyDigest: "pw-company"), user: "u1",
                holder: HolderIdentity.current(pipeline: "password-check")))
        try await coordinator.release(lease)
        await coordinator.close()

        do {
            _ = try await RunCoordination.open(
                .postgres(url: url), passwordVariable: "EXPORTPIPE_TEST_UNSET_PASSWORD", environment: [:])
            Issue.record("a coordinator opened without its password variable")
        } catch {
            let text = String(describing: error)
            #expect(text.contains("EXPORTPIPE_TEST_UNSET_PASSWORD") && text.contains("not set"), "\(text)")
        }
        try await Self.execute(admin, "DROP SCHEMA IF EXISTS \(schema) CASCADE")
    }

    @Test func aURLWithItsPasswordFromTheEnvironmentSignsInAndIsNeverPrinted() async throws {
        guard let (admin, password) = try await Self.roleWithANewPassword() else { return }
        let schema = "pwurl_" + String(UUID().uuidString.lowercased().filter(\.isHexDigit).prefix(12))
        let url =
            "postgres://\(Self.role):\(password)@\(admin.host):\(admin.port)/\(admin.database ?? "postgres")"
            + "?sslmode=disable&schema=\(schema)"
        // The DATABASE_URL convention: the whole URL, password included, in EXPORTPIPE_COORDINATOR; PGPASSWORD is
        // wrong, so only the URL's password can sign in.
        let environment = ["EXPORTPIPE_COORDINATOR": url, "PGPASSWORD": "not-the-password"]
        let (setting, source) = try RunCoordination.setting(flag: nil, environment: environment, spec: nil)
        #expect(source == "EXPORTPIPE_COORDINATOR")
        #expect(!String(describing: setting).contains(password), "the setting's printed form hides the password")
        let coordinator = try await RunCoordination.open(setting, environment: environment)
        let lease = try await coordinator.acquire(
            SlotRequest(
                scope: SlotScope(origin: "http://127.0.0.1:1", companyDigest: "pw-url-company"), user: "u1",
                holder: HolderIdentity.current(pipeline: "password-url")))
        try await coordinator.release(lease)
        #expect(!coordinator.storeDescription.contains(password), "what `status` prints of the store")
        await coordinator.close()

        // The same URL on the command line is refused, without echoing the password.
        do {
            _ = try RunCoordination.setting(flag: url, environment: [:], spec: nil)
            Issue.record("--coordinator accepted a URL with a password")
        } catch {
            #expect(!String(describing: error).contains(password), "\(error)")
        }
        try await Self.execute(admin, "DROP SCHEMA IF EXISTS \(schema) CASCADE")
    }

    /// The test server's owner settings and a fresh password of the role that must sign in with one; nil (an issue
    /// recorded under CI) when there is no test server.
    static func roleWithANewPassword() async throws -> (admin: PostgresSettings, password: String)? {
        guard let base = environment["EXPORTPIPE_TEST_POSTGRES_URL"].flatMap({ $0.isEmpty ? nil : $0 }) else {
            if environment["CI"].map({ !$0.isEmpty }) ?? false {
                Issue.record("CI is set but EXPORTPIPE_TEST_POSTGRES_URL is not: .ci/run must start the server")
            }
            return nil
        }
        let admin = try PostgresSettings(url: base)
        let password = "pw-" + UUID().uuidString.lowercased()
        try await execute(
            admin,
            """
            DO $$ BEGIN
              IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '\(role)') THEN
                CREATE ROLE \(role) LOGIN;
              END IF;
            END $$;
            """,
            "ALTER ROLE \(role) PASSWORD '\(password)'",
            "GRANT CREATE ON DATABASE \(admin.database ?? "postgres") TO \(role)")
        return (admin, password)
    }

    /// Runs `statements` as the test server's owner.
    static func execute(_ settings: PostgresSettings, _ statements: String...) async throws {
        let configuration = PostgresClient.Configuration(
            host: settings.host, port: settings.port, username: settings.username, password: nil,
            database: settings.database, tls: .disable)
        let client = PostgresClient(configuration: configuration)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await client.run() }
            for statement in statements {
                try await client.query(PostgresQuery(unsafeSQL: statement))
            }
            group.cancelAll()
        }
    }
}

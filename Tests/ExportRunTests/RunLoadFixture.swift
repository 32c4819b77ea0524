import AnalyticsAPI
import AnalyticsSimulator
import CSVMerge
import ExportDataset
import ExportLoading
import ExportRun
import ExportSpec
import ExportTestSupport
import Foundation
import Logging
import PostgresNIO
import Testing

/// The PostgreSQL runs load into: `EXPORTPIPE_TEST_POSTGRES_URL`; under CI (`CI` set) a missing URL fails the tests
/// instead of skipping them.
enum RunLoadDatabase {
    static let environment = ProcessInfo.processInfo.environment
    static var url: String? { environment["EXPORTPIPE_TEST_POSTGRES_URL"].flatMap { $0.isEmpty ? nil : $0 } }
    static var isRequired: Bool { url != nil || !(environment["CI"] ?? "").isEmpty }
    static let comment = Comment(
        rawValue: "EXPORTPIPE_TEST_POSTGRES_URL is not set: loading in a run is not tested. Run "
            + "scripts/postgres-test-server start, then EXPORTPIPE_TEST_POSTGRES_URL=… swift test (README)")
}

/// One test's schema (a unique name, dropped at the end), a directory for its dataset, and a connection of its own
/// for looking at the tables a run loaded.
final class RunLoadFixture: Sendable {
    let schema: String
    let url: String
    let directory: String
    let admin: PostgresClient
    private let adminTask: Task<Void, Never>

    init() throws {
        guard let url = RunLoadDatabase.url else {
            throw WarehouseError(
                .configuration,
                "CI is set but EXPORTPIPE_TEST_POSTGRES_URL is not: .ci/run must start scripts/postgres-test-server")
        }
        self.url = url
        schema = "runload_" + String(UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "").prefix(12))
        directory = try PipelineHarness.temporaryDirectory()
        let settings = try WarehouseSettings(url: url, schema: schema)
        let admin = PostgresClient(
            configuration: settings.connection.clientConfiguration, backgroundLogger: Logger(label: "test.admin"))
        self.admin = admin
        adminTask = Task { await admin.run() }
    }

    /// `output.load` into this fixture's schema.
    var load: LoadConfig {
        LoadConfig(
            postgres: Interpolated(raw: url, location: SpecBuilders.location(line: 30)), schema: schema,
            location: SpecBuilders.location(line: 29))
    }

    func tearDown() async {
        _ = try? await admin.query("DROP SCHEMA IF EXISTS \(unescaped: "\"\(schema)\"") CASCADE")
        adminTask.cancel()
        await adminTask.value
        try? FileManager.default.removeItem(atPath: directory)
    }

    static func with(_ body: (RunLoadFixture) async throws -> Void) async throws {
        let fixture = try RunLoadFixture()
        do {
            try await body(fixture)
        } catch {
            await fixture.tearDown()
            throw error
        }
        await fixture.tearDown()
    }

    func table(_ export: String) -> String { "\"\(schema)\".\(WarehouseNames.table(export))" }

    func strings(_ sql: String) async throws -> [String?] {
        var values: [String?] = []
        for try await row in try await admin.query(PostgresQuery(unsafeSQL: sql)).decode(String?.self) {
            values.append(row)
        }
        return values
    }

    func execute(_ sql: String) async throws {
        _ = try await admin.query(PostgresQuery(unsafeSQL: sql))
    }

    func integer(_ sql: String) async throws -> Int64? {
        var value: Int64?
        for try await row in try await admin.query(PostgresQuery(unsafeSQL: sql)).decode(Int64?.self) { value = row }
        return value
    }

    /// The dataset's manifest of `export`.
    func manifest(_ export: String) throws -> DatasetManifest {
        let layout = DatasetLayout(
            outputDirectory: directory + "/out", exportName: export, grain: .day, compression: .none)
        return try #require(try DatasetManifestStore.read(from: layout.manifestPath))
    }

    /// The ids (first column) of a partition file, as text.
    func fileIDs(_ export: String, _ entry: DatasetManifest.Partition) throws -> [String] {
        let scanner = try CSVScanner(path: directory + "/out/" + export + "/" + entry.file)
        var ids: [String] = []
        var header = true
        while try scanner.next() != nil {
            if header {
                header = false
                continue
            }
            ids.append(WarehouseLoader.fieldText(scanner.rawField(0)))
        }
        return ids
    }

    /// Checks that `export`'s table holds exactly its dataset's rows: per partition, the count and the set of ids
    /// (the first column) equal the file's; no partition that the dataset does not have.
    func expectTableEqualsDataset(
        _ export: String, idColumn: String, sourceLocation: Testing.SourceLocation = #_sourceLocation
    )
        async throws
    {
        let manifest = try manifest(export)
        let partitions = try await strings(
            "SELECT DISTINCT _partition::text FROM \(table(export)) ORDER BY 1")
        #expect(
            partitions.compactMap { $0 } == manifest.partitions.map(\.partition), "\(export): partitions",
            sourceLocation: sourceLocation)
        for entry in manifest.partitions {
            let ids = try await strings(
                "SELECT \(idColumn)::text FROM \(table(export)) WHERE _partition = '\(entry.partition)' "
                    + "ORDER BY \(idColumn)")
            let onDisk = try fileIDs(export, entry)
            #expect(ids.count == entry.rows, "\(export)/\(entry.partition): rows", sourceLocation: sourceLocation)
            #expect(
                ids.compactMap { $0 }.sorted() == onDisk.sorted(), "\(export)/\(entry.partition): ids",
                sourceLocation: sourceLocation)
        }
    }

    /// Inserts counted for `export`'s table (each query is a transaction of its own: no cached statistics).
    func inserted(_ export: String) async throws -> Int64 {
        try await integer(
            "SELECT n_tup_ins FROM pg_stat_user_tables WHERE schemaname = '\(schema)' "
                + "AND relname = '\(WarehouseNames.table(export))'") ?? -1
    }

    /// Waits until no loader's connection into this schema is open: a backend flushes its statistics when it ends, so its inserts
    /// are counted from then on (a guard against a hang, not a timed assertion: at most 120 s).
    func loaderConnectionsClosed() async throws {
        let start = Date()
        while try await integer(
            "SELECT count(*) FROM pg_stat_activity WHERE application_name = "
                + "'\(WarehouseLoader.applicationName(schema: schema))'") ?? 0 > 0
        {
            if Date().timeIntervalSince(start) > 120 {
                Issue.record("the loader's connections never closed")
                throw CancellationError()
            }
            try await Task.sleep(nanoseconds: 5_000_000)
        }
    }
}

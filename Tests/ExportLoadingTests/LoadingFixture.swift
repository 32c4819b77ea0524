import AnalyticsAPI
import AnalyticsSimulator
import CSVMerge
import CompressNIO
import ExportBasics
import Foundation
import Logging
import NIOCore
import PostgresNIO
import Testing

@testable import ExportLoading

/// The PostgreSQL the tests load into: `EXPORTPIPE_TEST_POSTGRES_URL`; under CI (`CI` set) a missing URL fails the
/// tests instead of skipping them.
enum WarehouseTestDatabase {
    static let environment = ProcessInfo.processInfo.environment
    static var url: String? { environment["EXPORTPIPE_TEST_POSTGRES_URL"].flatMap { $0.isEmpty ? nil : $0 } }
    static var isCI: Bool { environment["CI"].map { !$0.isEmpty } ?? false }
    static var isRequired: Bool { url != nil || isCI }
    static let comment = Comment(
        rawValue: "EXPORTPIPE_TEST_POSTGRES_URL is not set: the loader is not tested. Run scripts/postgres-test-server "
            + "start, then EXPORTPIPE_TEST_POSTGRES_URL=… swift test (README)")
}

/// One test's schema (a unique name, dropped at the end), a directory of partition files made by the simulator's
/// generator, and a connection of its own for looking at the tables.
final class LoadingFixture: Sendable {
    let schema: String
    let directory: String
    let settings: WarehouseSettings
    let admin: PostgresClient
    private let adminTask: Task<Void, Never>
    /// A name unique to this test, for its exports (and so its tables).
    let tag: String

    init() throws {
        guard let url = WarehouseTestDatabase.url else {
            throw WarehouseError(
                .configuration,
                "CI is set but EXPORTPIPE_TEST_POSTGRES_URL is not: .ci/run must start scripts/postgres-test-server")
        }
        tag = String(UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "").prefix(10))
        schema = "load_\(tag)"
        var settings = try WarehouseSettings(url: url, schema: schema)
        // The full suite on two cores can keep a statement waiting well past the product's 30 s.
        settings.connectTimeout = 120
        self.settings = settings
        directory = NSTemporaryDirectory() + "exportpipe-loading-tests/\(tag)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let admin = PostgresClient(
            configuration: settings.connection.clientConfiguration, backgroundLogger: Logger(label: "test.admin"))
        self.admin = admin
        adminTask = Task { await admin.run() }
    }

    func loader(maximumConnections: Int = 2) async throws -> WarehouseLoader {
        try await WarehouseLoader(settings: settings, maximumConnections: maximumConnections)
    }

    /// Drops the schema and the files.
    func tearDown() async {
        _ = try? await admin.query("DROP SCHEMA IF EXISTS \(unescaped: "\"\(schema)\"") CASCADE")
        adminTask.cancel()
        await adminTask.value
        try? FileManager.default.removeItem(atPath: directory)
    }

    static func day(_ text: String) -> Int64 {
        let parts = text.split(separator: "-").map { Int($0)! }
        return CivilDate.days(year: parts[0], month: parts[1], day: parts[2])
    }

    /// Writes the generator's export of one UTC day as `<dir>/<export>/day=…/<export>.csv[.gz]` and describes it.
    func partition(
        _ export: String, _ type: ExportType, day: String, seed: UInt64 = 7, options: ExportRenderOptions = .init(),
        timezone: String = "America/New_York", compressed: Bool = false, pinned: [String]? = nil,
        variant: String = ""
    ) throws -> LoadablePartition {
        let first = Self.day(day)
        let request = ExportRequest(
            type: type, startTime: first * CivilDate.millisPerDay, endTime: (first + 1) * CivilDate.millisPerDay,
            selection: ExportSelection(conversationReportType: type == .conversation ? .created : nil),
            timezone: timezone)
        let bytes = try ExportDataGenerator(seed: seed).render(request, options: options)
        return try write(
            export, type, day: day, bytes: bytes, timezone: timezone, compressed: compressed, pinned: pinned,
            variant: variant)
    }

    /// Writes `bytes` as a partition file of `export` (`variant` tells apart versions of one partition).
    func write(
        _ export: String, _ type: ExportType, day: String, bytes: [UInt8], timezone: String = "America/New_York",
        compressed: Bool = false, pinned: [String]? = nil, variant: String = ""
    ) throws -> LoadablePartition {
        let folder = "\(directory)/\(export)/day=\(day)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        // Two versions of one partition (`variant`) sit side by side, as a dataset's next run would replace it.
        let path = "\(folder)/\(export)\(variant).csv" + (compressed ? ".gz" : "")
        var stored = bytes
        if compressed {
            var buffer = ByteBuffer(bytes: bytes)
            let packed = try buffer.compress(with: .gzip())
            stored = Array(packed.readableBytesView)
        }
        try Data(stored).write(to: URL(fileURLWithPath: path))
        return LoadablePartition(
            exportName: export, exportType: type, key: "day=\(day)", firstDay: Self.day(day), path: path,
            compressed: compressed, sha256: Hex.sha256(bytes), timeReading: .zone(timezone), pinnedColumns: pinned)
    }

    /// The CSV's records after the header, as field strings (for comparing with the table).
    static func records(_ partition: LoadablePartition) throws -> [[String]] {
        let scanner = try CSVScanner(path: partition.path)
        var rows: [[String]] = []
        var first = true
        while let record = try scanner.next() {
            let fields = (0..<record.fieldCount).map { WarehouseLoader.fieldText(scanner.rawField($0)) }
            if first {
                first = false
            } else {
                rows.append(fields)
            }
        }
        return rows
    }

    /// `SELECT` of one column of one row of integers.
    func integer(_ sql: String) async throws -> Int64? {
        var value: Int64?
        for try await row in try await admin.query(PostgresQuery(unsafeSQL: sql)).decode(Int64?.self) { value = row }
        return value
    }

    /// The rows of partition `day` in `export`'s table.
    func count(_ export: String, day: String) async throws -> Int {
        Int(
            try await integer(
                "SELECT count(*) FROM \"\(schema)\".\(WarehouseNames.table(export)) WHERE _partition = '\(day)'") ?? -1)
    }

    /// Strings of a query's first column.
    func strings(_ sql: String) async throws -> [String?] {
        var values: [String?] = []
        for try await row in try await admin.query(PostgresQuery(unsafeSQL: sql)).decode(String?.self) {
            values.append(row)
        }
        return values
    }
}

/// Waits until `condition` holds; fails the test after 120 s (a guard against a hang, not a timed assertion).
func eventually(
    _ what: String, sourceLocation: SourceLocation = #_sourceLocation, _ condition: () async throws -> Bool
) async throws {
    let start = Date()
    while try await !condition() {
        if Date().timeIntervalSince(start) > 120 {
            Issue.record("never happened: \(what)", sourceLocation: sourceLocation)
            throw CancellationError()
        }
        try await Task.sleep(nanoseconds: 5_000_000)
    }
}

extension LoadingFixture {
    /// Runs `body` with a new fixture, tearing it down after, whether `body` threw or not.
    static func with(_ body: (LoadingFixture) async throws -> Void) async throws {
        let fixture = try LoadingFixture()
        do {
            try await body(fixture)
        } catch {
            await fixture.tearDown()
            throw error
        }
        await fixture.tearDown()
    }
}

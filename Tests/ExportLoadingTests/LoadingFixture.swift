import AnalyticsAPI
import AnalyticsSimulator
import CSVMerge
import CompressNIO
import ExportBasics
import ExportTestSupport
import Foundation
import NIOCore
import Testing

@testable import ExportLoading

/// One test's schema on the test PostgreSQL (`WarehouseTestDatabase`: a unique name, dropped at the end, and a
/// connection of its own for looking at the tables), and a directory of partition files made by the simulator's
/// generator.
final class LoadingFixture: Sendable {
    /// Why the suites that need the database are skipped without one (locally; under CI they fail).
    static let skipped = Comment(rawValue: WarehouseTestDatabase.skipNote("the loader"))

    let database: WarehouseTestDatabase
    let directory: String
    /// A name unique to this test, for its exports (and so its tables).
    let tag: String
    var schema: String { database.schema }
    var settings: WarehouseSettings {
        var settings = database.settings
        // The full suite on two cores can keep a statement waiting long: two minutes, whatever the product's default.
        settings.connectTimeout = 120
        return settings
    }

    init() throws {
        tag = WarehouseTestDatabase.uniqueTag(10)
        database = try WarehouseTestDatabase(schemaPrefix: "load_", tag: tag)
        directory = NSTemporaryDirectory() + "exportpipe-loading-tests/\(tag)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    }

    func loader(maximumConnections: Int = 2) async throws -> WarehouseLoader {
        try await WarehouseLoader(settings: settings, maximumConnections: maximumConnections)
    }

    /// Drops the schema and the files.
    func tearDown() async {
        await database.drop()
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

    func integer(_ sql: String) async throws -> Int64? { try await database.integer(sql) }

    /// The rows of partition `day` in `export`'s table.
    func count(_ export: String, day: String) async throws -> Int {
        Int(
            try await integer(
                "SELECT count(*) FROM \"\(schema)\".\(WarehouseNames.table(export)) WHERE _partition = '\(day)'") ?? -1)
    }

    func strings(_ sql: String) async throws -> [String?] { try await database.strings(sql) }
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

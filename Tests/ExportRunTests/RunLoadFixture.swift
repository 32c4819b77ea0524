import AnalyticsAPI
import AnalyticsSimulator
import CSVMerge
import ExportDataset
import ExportLoading
import ExportRun
import ExportSpec
import ExportTestSupport
import Foundation
import Testing

/// One test's schema on the test PostgreSQL (`WarehouseTestDatabase`: a unique name, dropped at the end, and a
/// connection of its own for looking at the tables a run loaded), and a directory for its dataset.
final class RunLoadFixture: Sendable {
    /// Why the suites that need the database are skipped without one (locally; under CI they fail).
    static let skipped = Comment(rawValue: WarehouseTestDatabase.skipNote("loading in a run"))

    let database: WarehouseTestDatabase
    let directory: String
    var schema: String { database.schema }
    var url: String { database.url }

    init() throws {
        database = try WarehouseTestDatabase(schemaPrefix: "runload_")
        directory = try PipelineHarness.temporaryDirectory()
    }

    /// `output.load` into this fixture's schema.
    var load: LoadConfig {
        LoadConfig(
            postgres: Interpolated(raw: url, location: SpecBuilders.location(line: 30)), schema: schema,
            location: SpecBuilders.location(line: 29))
    }

    /// Drops the schema and the dataset.
    func tearDown() async {
        await database.drop()
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// Runs `body` with a new fixture, tearing it down after, whether `body` threw or not.
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

    func table(_ export: String) -> String { database.table(export) }

    func strings(_ sql: String) async throws -> [String?] { try await database.strings(sql) }

    func execute(_ sql: String) async throws { try await database.execute(sql) }

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
}

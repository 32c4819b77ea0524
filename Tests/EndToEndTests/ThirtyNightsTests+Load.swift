import ExportTestSupport
import Foundation
import Testing

/// issue 23, "What it must show": the 30 nights load into the CI PostgreSQL (`output.load`, a schema of their own).
/// After every night — the killed one too — every export's table holds exactly the dataset's rows; at the end a
/// second run of the last night changes no row.
extension ThirtyNightsTests {
    /// `output.load` into `warehouse`'s schema, the URL from `EP_WAREHOUSE_URL` (as a URL with a password must be).
    static func load(_ warehouse: WarehouseTestDatabase) -> [String] {
        ["load:", "  postgres: ${EP_WAREHOUSE_URL}", "  schema: \(warehouse.schema)"]
    }

    /// Checks that the night's run loaded every partition it had to without a failure, and that every export's table
    /// holds exactly the rows of its partition files, all of them (those that left the window too): per partition
    /// the count, and the ids the catalog knows for the export, each as many times as in the file.
    /// `files` keeps the ids of the files already read (most are the same night after night).
    static func expectTablesEqualDataset(
        _ warehouse: WarehouseTestDatabase, _ workspace: NightlyWorkspace, _ night: NightlyWorkspace.Night,
        files: PartitionFileIDs
    ) async throws {
        let loads = try #require(night.summary["loads"] as? [String: Any], "night \(night.number): no loads")
        #expect(loads["failed"] as? Int == 0 && loads["unreachable"] == nil, "night \(night.number): \(loads)")
        for export in spec.exports {
            let differences = try await warehouse.differences(
                export: export.name, type: export.type, outputDirectory: workspace.outputDirectory, files: files)
            #expect(differences.isEmpty, "night \(night.number): \(differences)")
        }
    }

    /// A second run of the last night (the same `--now`) writes nothing into the tables: every partition's
    /// bookkeeping row (`loaded_at`, the run that loaded it) and every table's rows (`xmin`, `ctid`) stay as they
    /// were, and the statistics count no insert and no delete. The rerun has `settle: 1h`, which every partition on
    /// disk has (each was exported hours after its day ended): API time runs on between runs (the simulator's clock
    /// cannot stop or go back), so with `settle: 4d` it would export the four unsettled days again, and late rows
    /// that arrived meanwhile would rightly replace theirs. It asks the API for nothing, and its loader still checks
    /// every partition on disk against the bookkeeping and skips it.
    static func expectRerunChangesNoRow(
        _ warehouse: WarehouseTestDatabase, _ workspace: NightlyWorkspace, now: String
    ) async throws {
        let exports = spec.exports.map(\.name)
        let bookkeeping =
            "SELECT export || ' ' || partition_key || ' ' || loaded_at::text || ' ' || run_id || ' ' || sha256 "
            + "FROM \"\(warehouse.schema)\"._exportpipe_partitions ORDER BY 1"
        func versions() async throws -> [String?] {
            var result: [String?] = []
            for export in exports {
                result += try await warehouse.strings(
                    "SELECT string_agg(xmin::text || ':' || ctid::text, ',' ORDER BY ctid) "
                        + "FROM \(warehouse.table(export))")
            }
            return result
        }
        func counters() async throws -> [String] {
            var result: [String] = []
            for export in exports {
                let (inserted, deleted) = try await warehouse.counters(export)
                let rows = try await warehouse.integer("SELECT count(*) FROM \(warehouse.table(export))") ?? 0
                // Every row there was inserted once at least (the statistics count all of the loads).
                #expect(rows > 0 && inserted >= rows && deleted >= 0, "\(export): \(rows) rows, \(inserted) inserted")
                result.append("\(export): \(inserted) inserted, \(deleted) deleted")
            }
            return result
        }

        // The last night's backends have flushed their statistics once its connections are gone.
        try await warehouse.loaderConnectionsClosed()
        let recorded = try await warehouse.strings(bookkeeping)
        let rows = try await versions()
        let counted = try await counters()
        let partitions = try workspace.snapshot().manifests.values.reduce(0) { $0 + $1.partitions.count }
        #expect(recorded.count == partitions, "every partition on disk is recorded")

        workspace.spec.settle = "1h"
        try workspace.writeSpec()
        let submitted = try await workspace.submissions()
        let again = try await workspace.run(now: now)
        #expect(again.status == 0, "\(again.stderr)")
        #expect(try await workspace.submissions() == submitted, "the rerun asked the API for nothing")
        let summary = NightlyWorkspace.jsonLines(again.stdout).last { $0["kind"] as? String == "summary" } ?? [:]
        let loads = try #require(summary["loads"] as? [String: Any], "\(summary)")
        #expect(loads["loaded"] as? Int == 0 && loads["failed"] as? Int == 0, "\(loads)")
        #expect(loads["skippedUnchanged"] as? Int == partitions, "\(loads)")

        try await warehouse.loaderConnectionsClosed()
        #expect(try await warehouse.strings(bookkeeping) == recorded, "loaded_at of every partition unchanged")
        #expect(try await versions() == rows, "no row rewritten")
        #expect(try await counters() == counted, "no insert, no delete")
        for export in spec.exports {
            let differences = try await warehouse.differences(
                export: export.name, type: export.type, outputDirectory: workspace.outputDirectory)
            #expect(differences.isEmpty, "after the rerun: \(differences)")
        }
    }
}

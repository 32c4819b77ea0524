import AnalyticsAPI
import AnalyticsSimulator
import ExportTestSupport
import Foundation
import Testing

@testable import ExportLoading

@Suite("Schema drift", .enabled(if: WarehouseTestDatabase.isRequired, LoadingFixture.skipped))
struct SchemaDriftTests {
    static let change = SchemaDrift.Change(column: "score", fromDay: LoadingFixture.day("2026-03-05"))

    @Test("a column added from a day on is added to the table; older rows read NULL")
    func addedColumn() async throws {
        try await LoadingFixture.with { fixture in
            var options = ExportRenderOptions()
            options.drift = SchemaDrift(added: Self.change)
            let export = "responses-\(fixture.tag)"
            let before = try fixture.partition(export, .response, day: "2026-03-04", options: options)
            let after = try fixture.partition(export, .response, day: "2026-03-05", options: options)
            #expect(
                try String(contentsOfFile: after.path, encoding: .utf8).components(separatedBy: "\r\n")[0].hasSuffix(
                    ",score"))
            let loader = try await fixture.loader()
            _ = try await loader.load(before, runID: "r")
            let rows = try LoadingFixture.records(after).count
            #expect(try await loader.load(after, runID: "r") == .loaded(rows: rows, addedColumns: ["score"]))
            await loader.close()
            let table = "\"\(fixture.schema)\".\(WarehouseNames.table(export))"
            #expect(
                try await fixture.integer(
                    "SELECT count(*) FROM \(table) WHERE _partition = '2026-03-04' AND score IS NULL")
                    == Int64(try LoadingFixture.records(before).count))
            #expect(
                try await fixture.integer(
                    "SELECT count(*) FROM \(table) WHERE _partition = '2026-03-05' AND score IS NOT NULL")
                    == Int64(rows))
        }
    }

    @Test("a column dropped from a day on loads as NULL in the later partitions")
    func droppedColumn() async throws {
        try await LoadingFixture.with { fixture in
            var options = ExportRenderOptions()
            options.drift = SchemaDrift(dropped: SchemaDrift.Change(column: "tags", fromDay: Self.change.fromDay))
            let export = "conversations-\(fixture.tag)"
            let before = try fixture.partition(export, .conversation, day: "2026-03-04", options: options)
            let after = try fixture.partition(export, .conversation, day: "2026-03-05", options: options)
            let loader = try await fixture.loader()
            _ = try await loader.load(before, runID: "r")
            let rows = try LoadingFixture.records(after).count
            #expect(try await loader.load(after, runID: "r") == .loaded(rows: rows, addedColumns: []))
            await loader.close()
            let table = "\"\(fixture.schema)\".\(WarehouseNames.table(export))"
            #expect(
                try await fixture.integer(
                    "SELECT count(*) FROM \(table) WHERE _partition = '2026-03-05' AND tags IS NULL")
                    == Int64(rows))
            let emptyTags = try LoadingFixture.records(before).filter { $0[12].isEmpty }.count
            #expect(
                try await fixture.integer(
                    "SELECT count(*) FROM \(table) WHERE _partition = '2026-03-04' AND tags IS NULL")
                    == Int64(emptyTags))
            #expect(emptyTags < (try LoadingFixture.records(before).count))
        }
    }

    @Test("with columns: pinned, an added column is an error that names it; the table keeps its rows")
    func pinned() async throws {
        try await LoadingFixture.with { fixture in
            var options = ExportRenderOptions()
            options.drift = SchemaDrift(added: Self.change)
            let export = "responses-\(fixture.tag)"
            let pinned = ExportCatalog.descriptor(for: .response).columns
            let before = try fixture.partition(export, .response, day: "2026-03-04", options: options, pinned: pinned)
            let loader = try await fixture.loader()
            _ = try await loader.load(before, runID: "r")
            let old = try fixture.partition(export, .response, day: "2026-03-05", seed: 3, pinned: pinned)
            _ = try await loader.load(old, runID: "r")
            let oldRows = try LoadingFixture.records(old).count
            let after = try fixture.partition(
                export, .response, day: "2026-03-05", options: options, pinned: pinned, variant: ".drifted")
            let error = await #expect(throws: WarehouseError.self) { try await loader.load(after, runID: "r") }
            await loader.close()
            #expect(error?.kind == .columns)
            #expect(error?.message.contains("column score") == true)
            #expect(error?.message.contains("columns:") == true)
            #expect(error?.message.contains("\(export)/day=2026-03-05") == true)
            #expect(try await fixture.count(export, day: "2026-03-05") == oldRows)
        }
    }

    @Test("a value that does not fit its column fails the partition, naming partition, column, line and value")
    func typeMismatch() async throws {
        try await LoadingFixture.with { fixture in
            let export = "conversations-\(fixture.tag)"
            let good = try fixture.partition(export, .conversation, day: "2026-03-04")
            let loader = try await fixture.loader()
            _ = try await loader.load(good, runID: "r")
            // Line 5's message_count (the 11th column) becomes "12x".
            var lines = try String(contentsOfFile: good.path, encoding: .utf8).components(separatedBy: "\r\n")
            var fields = lines[4].components(separatedBy: ",")
            fields[10] = "12x"
            lines[4] = fields.joined(separator: ",")
            let bad = try fixture.write(
                export, .conversation, day: "2026-03-04", bytes: Array(lines.joined(separator: "\r\n").utf8),
                variant: ".bad")
            let error = await #expect(throws: WarehouseError.self) { try await loader.load(bad, runID: "r") }
            await loader.close()
            #expect(error?.kind == .value)
            for part in ["\(export)/day=2026-03-04", "column message_count", "line 5", "\"12x\""] {
                #expect(error?.message.contains(part) == true, "\(part) missing from: \(error?.message ?? "")")
            }
            #expect(try await fixture.count(export, day: "2026-03-04") == (try LoadingFixture.records(good).count))
        }
    }
}

import AnalyticsAPI
import AnalyticsSimulator
import ExportTestSupport
import Foundation
import PostgresNIO
import Testing

@testable import ExportLoading

@Suite(
    "Loading partitions into PostgreSQL", .enabled(if: WarehouseTestDatabase.isRequired, LoadingFixture.skipped))
struct PartitionLoadTests {
    @Test("a partition makes a typed table: times timestamptz (local times read in the zone), ids bigint, text")
    func typedTable() async throws {
        try await LoadingFixture.with { fixture in
            let loader = try await fixture.loader()
            // The same day twice: local times with display-label headers, and ISO 8601 with offsets and ids.
            var local = ExportRenderOptions()
            local.timeFormat = .local
            local.headers = .labels
            let labelled = try fixture.partition(
                "conv-local-\(fixture.tag)", .conversation, day: "2026-03-08", options: local)
            let iso = try fixture.partition("conv-iso-\(fixture.tag)", .conversation, day: "2026-03-08")
            let rows = try LoadingFixture.records(iso).count
            #expect(
                try await loader.load(labelled, runID: "run-1") == .loaded(rows: rows, addedColumns: catalogColumns))
            #expect(try await loader.load(iso, runID: "run-1") == .loaded(rows: rows, addedColumns: catalogColumns))
            await loader.close()

            let table = WarehouseNames.table(labelled.exportName)
            let types = try await fixture.strings(
                """
                SELECT column_name || ' ' || data_type FROM information_schema.columns
                WHERE table_schema = '\(fixture.schema)' AND table_name = '\(table)' ORDER BY ordinal_position
                """)
            #expect(
                types == [
                    "conversation_id bigint", "created_time timestamp with time zone",
                    "closed_time timestamp with time zone", "status text", "workqueue_id bigint", "team_id bigint",
                    "priority bigint", "agent_id bigint", "author_id bigint", "network text", "message_count bigint",
                    "first_response_seconds bigint", "tags text", "_partition date",
                ])
            let indexes = try await fixture.strings(
                "SELECT indexdef FROM pg_indexes WHERE schemaname = '\(fixture.schema)' AND tablename = '\(table)'")
            #expect(indexes.count == 1 && indexes[0]?.contains("(_partition)") == true)
            // The local times (New York, across the DST change of 2026-03-08) are the instants the offsets say.
            let other = WarehouseNames.table(iso.exportName)
            let differing = try await fixture.integer(
                """
                SELECT count(*) FROM (
                    (SELECT conversation_id, created_time, closed_time FROM "\(fixture.schema)".\(table)
                     EXCEPT SELECT conversation_id, created_time, closed_time FROM "\(fixture.schema)".\(other))
                    UNION ALL
                    (SELECT conversation_id, created_time, closed_time FROM "\(fixture.schema)".\(other)
                     EXCEPT SELECT conversation_id, created_time, closed_time FROM "\(fixture.schema)".\(table))) d
                """)
            #expect(differing == 0)
            // The set of ids is the file's.
            let ids = try await fixture.strings(
                "SELECT conversation_id::text FROM \"\(fixture.schema)\".\(table) ORDER BY conversation_id")
            #expect(ids == (try LoadingFixture.records(iso).map { $0[0] }.sorted { Int64($0)! < Int64($1)! }))
            #expect(try await fixture.count(iso.exportName, day: "2026-03-08") == rows)
        }
    }

    private var catalogColumns: [String] { ExportCatalog.descriptor(for: .conversation).columns }

    @Test("a partition loaded again with the same SHA-256 is skipped: loaded_at, row versions and n_tup_ins unchanged")
    func rerunSkipped() async throws {
        try await LoadingFixture.with { fixture in
            // One connection: its statistics reach pg_stat in the order its statements ran.
            let loader = try await fixture.loader(maximumConnections: 1)
            let export = "responses-\(fixture.tag)"
            let days = ["2026-03-02", "2026-03-03"]
            let partitions = try days.map { try fixture.partition(export, .response, day: $0) }
            var total = 0
            for partition in partitions {
                guard case .loaded(let rows, _) = try await loader.load(partition, runID: "first") else {
                    Issue.record("the first load of \(partition.key) was skipped")
                    return
                }
                total += rows
            }
            let table = "\"\(fixture.schema)\".\(WarehouseNames.table(export))"
            let bookkeeping =
                "SELECT partition_key || ' ' || loaded_at::text || ' ' || run_id FROM \"\(fixture.schema)\"._exportpipe_partitions ORDER BY 1"
            let before = try await fixture.strings(bookkeeping)
            let versions = "SELECT string_agg(xmin::text, ',' ORDER BY response_id) FROM \(table)"
            let rowVersions = try await fixture.strings(versions)
            let inserted =
                "SELECT n_tup_ins FROM pg_stat_user_tables WHERE schemaname = '\(fixture.schema)' AND relname = '\(WarehouseNames.table(export))'"
            try await eventually("the first loads' inserts are counted") {
                try await fixture.integer(inserted) == Int64(total)
            }

            for partition in partitions { #expect(try await loader.load(partition, runID: "second") == .skipped) }
            // A marker partition through the same connection: once its rows are counted, so would the reruns' be.
            let marker = try fixture.partition(export, .response, day: "2026-03-04")
            guard case .loaded(let markerRows, _) = try await loader.load(marker, runID: "second") else {
                Issue.record("the marker partition was skipped")
                return
            }
            await loader.close()
            try await eventually("the marker's inserts are counted") {
                try await fixture.integer(inserted) ?? 0 >= Int64(total + markerRows)
            }
            #expect(try await fixture.integer(inserted) == Int64(total + markerRows))
            #expect(try await fixture.strings(bookkeeping).prefix(2) == before[...])
            #expect(try await fixture.strings(versions + " WHERE _partition < '2026-03-04'") == rowVersions)
        }
    }

    @Test("a partition is replaced whole: its rows become the new file's, other partitions stay, the record follows")
    func replaced() async throws {
        try await LoadingFixture.with { fixture in
            let loader = try await fixture.loader()
            let export = "posts-\(fixture.tag)"
            let neighbour = try fixture.partition(export, .incomingPost, day: "2026-03-03")
            let old = try fixture.partition(export, .incomingPost, day: "2026-03-04", seed: 1)
            _ = try await loader.load(neighbour, runID: "a")
            _ = try await loader.load(old, runID: "a")
            let new = try fixture.partition(export, .incomingPost, day: "2026-03-04", seed: 2, variant: ".new")
            #expect(new.sha256 != old.sha256)
            let newRows = try LoadingFixture.records(new)
            #expect(try await loader.load(new, runID: "b") == .loaded(rows: newRows.count, addedColumns: []))
            await loader.close()
            let table = "\"\(fixture.schema)\".\(WarehouseNames.table(export))"
            let ids = try await fixture.strings(
                "SELECT post_id::text FROM \(table) WHERE _partition = '2026-03-04' ORDER BY post_id")
            #expect(ids == newRows.map { $0[0] }.sorted { Int64($0)! < Int64($1)! })
            #expect(try await fixture.count(export, day: "2026-03-03") == (try LoadingFixture.records(neighbour).count))
            let record = try await fixture.strings(
                """
                SELECT sha256 || ' ' || rows || ' ' || run_id FROM "\(fixture.schema)"._exportpipe_partitions
                WHERE export = '\(export)' AND partition = '2026-03-04'
                """)
            #expect(record == ["\(new.sha256) \(newRows.count) b"])
        }
    }

    @Test("gzip partitions load the same rows as plain ones")
    func gzip() async throws {
        try await LoadingFixture.with { fixture in
            let loader = try await fixture.loader()
            let plain = try fixture.partition("plain-\(fixture.tag)", .conversationActions, day: "2026-03-05")
            let packed = try fixture.partition(
                "packed-\(fixture.tag)", .conversationActions, day: "2026-03-05", compressed: true)
            #expect(packed.sha256 == plain.sha256)
            let rows = try LoadingFixture.records(plain).count
            #expect(try await loader.load(packed, runID: "r") == .loaded(rows: rows, addedColumns: actionColumns))
            #expect(try await loader.load(plain, runID: "r") == .loaded(rows: rows, addedColumns: actionColumns))
            await loader.close()
            let a = "\"\(fixture.schema)\".\(WarehouseNames.table(plain.exportName))"
            let b = "\"\(fixture.schema)\".\(WarehouseNames.table(packed.exportName))"
            #expect(
                try await fixture.integer(
                    "SELECT count(*) FROM ((TABLE \(a) EXCEPT TABLE \(b)) UNION ALL (TABLE \(b) EXCEPT TABLE \(a))) d")
                    == 0)
        }
    }

    private var actionColumns: [String] { ExportCatalog.descriptor(for: .conversationActions).columns }
}

import AnalyticsAPI
import ExportTestSupport
import Foundation
import Testing

@testable import ExportLoading

@Suite("Values and names", .enabled(if: WarehouseTestDatabase.isRequired, LoadingFixture.skipped))
struct ValueEncodingTests {
    @Test("text keeps tabs, line breaks, backslashes and quotes; unquoted empty is NULL, \"\" the empty string")
    func textRoundTrip() async throws {
        try await LoadingFixture.with { fixture in
            let export = "notes-\(fixture.tag)"
            let csv =
                "Help Request ID,Requested Time,Note,Response Seconds\r\n"
                + "1,2026-03-04 09:15:00,\"tab\there\",12\r\n"
                + "2,03/04/2026 09:16:00 AM,\"two\r\nlines\",\r\n"
                + "3,1772615820000,back\\slash \\N,7\r\n"
                + "4,2026-03-04T09:18:00Z,\"say \"\"hi\"\"\",\r\n"
                + "5,,,\r\n"
                + "6,2026-03-04 09:20:00.250,\"\",0\r\n"
            let partition = try fixture.write(
                export, .rawExpertHelp, day: "2026-03-04", bytes: Array(csv.utf8), timezone: "Europe/Paris")
            let loader = try await fixture.loader()
            #expect(
                try await loader.load(partition, runID: "r")
                    == .loaded(
                        rows: 6, addedColumns: ["help_request_id", "requested_time", "note", "response_seconds"]))
            await loader.close()
            let table = "\"\(fixture.schema)\".\(WarehouseNames.table(export))"
            let notes = try await fixture.strings("SELECT note FROM \(table) ORDER BY help_request_id")
            #expect(notes == ["tab\there", "two\r\nlines", "back\\slash \\N", "say \"hi\"", nil, ""])
            let times = try await fixture.strings(
                """
                SELECT to_char(requested_time AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS') FROM \(table)
                ORDER BY help_request_id
                """)
            // Paris is UTC+1 in March; the epoch and the Z time are instants already.
            #expect(
                times == [
                    "2026-03-04T08:15:00.000", "2026-03-04T08:16:00.000", "2026-03-04T09:17:00.000",
                    "2026-03-04T09:18:00.000", nil, "2026-03-04T08:20:00.250",
                ])
            let seconds = try await fixture.strings(
                "SELECT response_seconds::text FROM \(table) ORDER BY help_request_id")
            #expect(seconds == ["12", nil, "7", nil, nil, "0"])
        }
    }

    @Test("headers become the catalog's ids, or snake_case names")
    func names() {
        let catalog = ExportCatalog.descriptor(for: .conversation)
        #expect(WarehouseNames.column(header: "Created Time", position: 1, catalog: catalog) == "created_time")
        #expect(WarehouseNames.column(header: "CONVERSATION_ID", position: 0, catalog: catalog) == "conversation_id")
        #expect(WarehouseNames.column(header: "Case Number", position: 0, catalog: catalog) == "conversation_id")
        #expect(WarehouseNames.column(header: "Work Queue ID", position: 4, catalog: catalog) == "workqueue_id")
        #expect(
            WarehouseNames.column(header: "First Response (s)", position: 3, catalog: catalog) == "first_response_s")
        #expect(WarehouseNames.column(header: "sentimentScore", position: 3, catalog: catalog) == "sentiment_score")
        #expect(WarehouseNames.column(header: "2nd Agent", position: 3, catalog: catalog) == "c_2nd_agent")
        #expect(WarehouseNames.column(header: "Ümlaut", position: 3, catalog: catalog) == "mlaut")
        #expect(WarehouseNames.column(header: "***", position: 3, catalog: catalog) == "column_4")
        #expect(WarehouseNames.table("raw-conversations.eu") == "raw_conversations_eu")
        #expect(WarehouseNames.table("2025-posts") == "t_2025_posts")
        #expect(ColumnType(catalogColumn: "avg_handle_seconds") == .decimal)
        #expect(ColumnType(catalogColumn: "interval_start") == .time)
        #expect(ColumnType(catalogColumn: "message_count") == .integer)
        #expect(ColumnType(catalogColumn: "enabled") == .text)
    }
}

@Suite("Destination settings")
struct WarehouseSettingsTests {
    @Test("a URL's own password (only the environment can give one) is used, never shown; password_env must be set")
    func refused() throws {
        let environment = ["DB_PASSWORD": "s3cret-value"]
        // A URL written in the spec with a password is refused when the spec is read (OutputLoadSpecTests); one
        // from the environment (`${WAREHOUSE_URL}`, the DATABASE_URL convention) carries its password here.
        let fromEnvironment = try WarehouseSettings(
            url: "postgres://loader:hunter2-secret@db.example.com/dw", environment: environment)
        #expect(!fromEnvironment.redacted.contains("hunter2-secret"))
        #expect(!String(describing: fromEnvironment).contains("hunter2-secret"))
        #expect(!String(reflecting: fromEnvironment).contains("hunter2-secret"))
        let unset = #expect(throws: WarehouseError.self) {
            try WarehouseSettings(
                url: "postgres://loader@db.example.com/dw", passwordVariable: "MISSING_VAR", environment: environment)
        }
        #expect(unset?.message.contains("MISSING_VAR") == true)
        #expect(throws: WarehouseError.self) {
            try WarehouseSettings(url: "postgres://loader@db.example.com/dw", schema: "Bad-Schema")
        }
        let settings = try WarehouseSettings(
            url: "postgres://loader@db.example.com:6543/dw?sslmode=require", schema: "analytics",
            passwordVariable: "DB_PASSWORD", environment: environment)
        #expect(settings.schema == "analytics")
        #expect(settings.connection.port == 6543)
        #expect(settings.connection.hasPassword)
        #expect(!settings.redacted.contains("s3cret"))
    }

    @Test(
        "sslmode=require asks the server for TLS (the test server has none, so the connection is refused)",
        .enabled(if: WarehouseTestDatabase.isRequired, LoadingFixture.skipped))
    func requiresTLS() async throws {
        let url = try #require(WarehouseTestDatabase.url)
        let base = url.components(separatedBy: "?")[0]
        var settings = try WarehouseSettings(url: base + "?sslmode=require", schema: "load_tls_probe")
        // The refusal is permanent: the loader stops at the first one, naming it, instead of letting the pool try
        // again until the connect timeout (which once ended a full suite's run of this test with a cancelled last
        // attempt and no word of TLS).
        settings.connectTimeout = 120
        let error = await #expect(throws: WarehouseError.self) { try await WarehouseLoader(settings: settings) }
        #expect(error?.kind == .database)
        #expect(error?.message.contains("does not offer TLS, which sslmode=require asks for") == true)
        #expect(error?.message.contains("did not answer") == false, "\(error?.message ?? "")")
    }

    @Test(
        "the PostgreSQL tests run", .enabled(if: WarehouseTestDatabase.isRequired, LoadingFixture.skipped))
    func configured() throws {
        _ = try LoadingFixture()
    }
}

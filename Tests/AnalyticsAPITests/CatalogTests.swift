import AnalyticsAPI
import Foundation
import Testing

@Suite("The export catalog and wire encodings")
struct CatalogTests {
    @Test func everyDocumentedExportIsInTheCatalog() {
        #expect(
            ExportType.allIDs == [
                "author", "combined", "conversation", "conversation_actions", "conversation_history_action",
                "incoming_post", "raw_agent_states", "raw_expert_help", "response", "response_approval",
                "team_performance", "team_performance_interval", "user",
            ])
        for descriptor in ExportCatalog.all {
            #expect(descriptor.columns.contains(descriptor.sortKey.idColumn), "\(descriptor.type)")
            if let time = descriptor.sortKey.timeColumn { #expect(descriptor.columns.contains(time)) }
            #expect(descriptor.options.contains(.columns))
        }
    }

    @Test func listsAreEncodedAsTheAPIDocuments() {
        let teams = ExportRequest(
            type: .rawAgentStates, startTime: 1, endTime: 2,
            selection: ExportSelection(filters: [.teams: [175, 154, 151]], columns: ["agent_name", "agent_id"]))
        #expect(
            PercentEncoding.encodeQuery(teams.queryItems)
                == "startTime=1&endTime=2&reportFormat=csv&teamIds=175%2C154%2C151"
                + "&reportMetrics=agent_name&reportMetrics=agent_id")
        let user = ExportRequest(
            type: .user, startTime: 1, endTime: 2,
            selection: ExportSelection(filters: [.teams: [1, 2], .agents: [7]], includeDisabled: true))
        #expect(
            PercentEncoding.encodeQuery(user.queryItems)
                == "startTime=1&endTime=2&reportFormat=csv&agentId=7&teamId=1&teamId=2&includeDisabled=true")
        let posts = ExportRequest(
            type: .conversation, startTime: 1, endTime: 2,
            selection: ExportSelection(
                filters: [.smartViews: [9], .priorities: [0, 1]], conversationReportType: .closed,
                businessHours: .outside),
            locale: "en", timezone: "America/Chicago")
        #expect(
            PercentEncoding.encodeQuery(posts.queryItems)
                == "startTime=1&endTime=2&reportFormat=csv&locale=en&timezone=America%2FChicago"
                + "&priorities=0%2C1&smartViewId=9&conversationReportType=CLOSED"
                + "&enableBusinessHour=true&businessHourType=false")
    }

    @Test func percentEncodingRoundTripsRunIds() throws {
        let runId = "23nUak09Gc3t5K65L3GMQ3Y1onNYtvSsfUSuqEO0+pkHA="
        #expect(PercentEncoding.encodeComponent(runId) == "23nUak09Gc3t5K65L3GMQ3Y1onNYtvSsfUSuqEO0%2BpkHA%3D")
        #expect(PercentEncoding.decode(PercentEncoding.encodeComponent(runId)) == runId)
        #expect(PercentEncoding.decode("%zz") == nil)
        #expect(
            PercentEncoding.parseQuery("a=1&b=x+y&c=%2C") == [
                QueryItem("a", "1"), QueryItem("b", "x y"), QueryItem("c", ","),
            ])
        #expect(
            APIPaths.status(workflowId: "w", runId: "23a+b/c=") == "/api/public/reports/report/w/23a%2Bb%2Fc%3D/status")
    }

    @Test func statusDecodesBothDocumentedForms() throws {
        let object = #"""
            {"status":"PASS","request":null,"message":null,"result":{"jobInfo":{"workflowId":"f","runId":"23n=",
            "downloadUrl":"u","statusUrl":"s"},"result":{"runnerState":"CLOSED","reason":null,"detail":"COMPLETED",
            "currentCount":null,"totalCount":null,"lastAcknowledgeTime":null}}}
            """#
        let array = #"""
            {"status":"PASS","request":null,"message":null,"result":[{"jobInfo":{"workflowId":"f","runId":"23n=",
            "downloadUrl":"","statusUrl":"s"},"result":{"runnerState":"RUNNING","reason":null,"detail":"",
            "currentCount":null,"totalCount":null,"lastAcknowledgeTime":null}}]}
            """#
        let done = try JSONDecoder().decode(Envelope<StatusPayload>.self, from: Data(object.utf8))
        #expect(done.result.status.outcome == .completed)
        #expect(!done.result.isArrayForm)
        let running = try JSONDecoder().decode(Envelope<StatusPayload>.self, from: Data(array.utf8))
        #expect(running.result.status.outcome == .inFlight)
        #expect(running.result.isArrayForm)
        // Encoding keeps the form and writes `request: null`.
        let encoded = String(decoding: try JSONEncoder().encode(running), as: UTF8.self)
        #expect(encoded.contains("\"result\":[{"))
        #expect(encoded.contains("\"request\":null"))
        // The deprecated jobs listing spells it `details`.
        let legacy = #"{"runnerState":"CLOSED","reason":null,"details":"COMPLETED"}"#
        #expect(try JSONDecoder().decode(JobResult.self, from: Data(legacy.utf8)).detail == "COMPLETED")
    }

    @Test func costModelGrowsFasterThanLinearly() {
        let small = CostModel.seconds(for: .incomingPost, rows: 10_000)
        let big = CostModel.seconds(for: .incomingPost, rows: 1_000_000)
        #expect(CostModel.seconds(for: .incomingPost, rows: 0) == CostModel.baseSeconds)
        #expect((big - CostModel.baseSeconds) > 100 * (small - CostModel.baseSeconds))
    }
}

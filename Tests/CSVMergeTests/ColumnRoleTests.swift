import AnalyticsAPI
import CSVMerge
import Foundation
import Testing

@Suite("Header names matched after normalising, roles resolved by candidates")
struct ColumnRoleTests {
    @Test func caseSpacesUnderscoresAndPunctuationDoNotMatter() {
        for name in ["Created Time", "created_time", "CREATED_TIME", "created-time", "Created.Time", " createdTime "] {
            #expect(ColumnName.normalized(name) == "createdtime", "\(name)")
        }
        #expect(ColumnName.normalized("\u{FEFF}Conversation ID") == "conversationid")
        #expect(ColumnName.normalized("Work Queue ID") == ColumnName.normalized("workqueue_id"))
        #expect(ColumnName.normalized("Größe (€)") == "größe")
        #expect(ColumnName.normalized("first_response_seconds") != ColumnName.normalized("first_response"))
    }

    @Test func theFirstCandidateThatMatchesWinsAndTheHeadersOwnSpellingIsReturned() {
        let header = ["Conversation ID", "Created Time", "Closed Time", "Work Queue ID"]
        #expect(ColumnName.find(["created_time", "CREATED_TIME", "Created Time"], in: header) == "Created Time")
        #expect(ColumnName.find(["workqueue_id"], in: header) == "Work Queue ID")
        #expect(ColumnName.find(["nope", "closed_time"], in: header) == "Closed Time")
        #expect(ColumnName.find(["status"], in: header) == nil)
        #expect(ColumnName.find([""], in: ["", "a"]) == nil)
    }

    private let candidates = ColumnRoleNames(
        time: ["created_time", "CREATED_TIME", "Created Time"], id: ["conversation_id", "Conversation ID"],
        key: [["conversation_id", "Conversation ID"]])

    @Test func rolesResolveFromLabelsAndUpperCaseIds() {
        let labels = ResolvedColumnRoles.resolve(
            header: ["Conversation ID", "Created Time", "Status"], candidates: candidates)
        #expect(
            labels.roles == ResolvedColumnRoles(time: "Created Time", id: "Conversation ID", key: ["Conversation ID"]))
        #expect(labels.missing.isEmpty)
        let upper = ResolvedColumnRoles.resolve(header: ["CONVERSATION_ID", "CREATED_TIME"], candidates: candidates)
        #expect(
            upper.roles == ResolvedColumnRoles(time: "CREATED_TIME", id: "CONVERSATION_ID", key: ["CONVERSATION_ID"]))
    }

    @Test func theSpecsOverrideIsTriedFirstAndAMissingOneIsSaid() {
        let header = ["Case Number", "Opened At", "conversation_id", "created_time"]
        let chosen = ResolvedColumnRoles.resolve(
            header: header, candidates: candidates,
            override: ColumnRoleOverride(time: "opened at", id: "CASE NUMBER", key: ["Case Number"]))
        #expect(chosen.roles == ResolvedColumnRoles(time: "Opened At", id: "Case Number", key: ["Case Number"]))
        #expect(chosen.missing.isEmpty)
        let absent = ResolvedColumnRoles.resolve(
            header: header, candidates: candidates, override: ColumnRoleOverride(time: "Closed At"))
        #expect(absent.roles.time == "created_time")
        #expect(absent.missing == [#"the spec's merge.time_column "Closed At" is not in the header"#])
    }

    @Test func nothingResolvingSaysEveryRole() {
        let none = ResolvedColumnRoles.resolve(header: ["a", "b"], candidates: candidates)
        #expect(none.roles == ResolvedColumnRoles())
        #expect(none.missing.count == 3)
        #expect(none.missing[0].hasPrefix(#"no time_column (looked for "created_time""#))
    }
}

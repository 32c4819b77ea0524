import ExportSpec
import Foundation
import Testing

@Suite("An export's merge: section")
struct MergeColumnsSpecTests {
    @Test func decodesTheRoleColumns() throws {
        let result = load(
            specText(
                exports: """
                      - name: a
                        type: conversation
                        conversation_report_type: CLOSED
                        chunk: 1d
                        merge: { time_column: Closed At, id_column: Case Number, key: [Case Number, Status] }
                    """))
        #expect(result.diagnostics.isEmpty, "\(result.shorts)")
        let merge = try #require(result.spec?.exports.first?.merge)
        #expect(
            merge == MergeColumns(timeColumn: "Closed At", idColumn: "Case Number", key: ["Case Number", "Status"]))
    }

    @Test func aTypoedKeyIsReportedAtItsLineWithTheClosestKey() {
        let result = load(specText(exports: "  - { name: a, type: response, chunk: 1d, merge: { time_colum: T } }"))
        #expect(result.shorts == ["11:52: error: unknown key 'time_colum' in exports[0].merge"])
        #expect(result.fixes == ["did you mean 'time_column'?"])
    }

    @Test func wrongShapesAreErrorsAtTheirValue() {
        let result = load(
            specText(
                exports: """
                      - { name: a, type: response, chunk: 1d, merge: { key: [] } }
                      - { name: b, type: response, chunk: 1d, merge: { time_column: "" } }
                      - { name: c, type: response, chunk: 1d, merge: {} }
                      - { name: d, type: response, chunk: 1d, merge: [t] }
                    """))
        #expect(
            result.shorts == [
                "11:57: error: exports[0].merge.key is an empty list",
                "12:65: error: exports[1].merge.time_column must not be empty",
                "13:50: error: exports[2].merge names no column",
                "14:50: error: exports[3].merge must be a mapping, got a list",
            ], "\(result.shorts)")
    }
}

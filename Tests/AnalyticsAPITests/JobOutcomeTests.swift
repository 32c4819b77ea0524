import AnalyticsAPI
import Foundation
import Testing

@Suite("Job outcomes: the queue rejection is recognised by its phrase")
struct JobOutcomeTests {
    private func outcome(_ json: String) throws -> JobOutcome {
        try JSONDecoder().decode(Envelope<StatusPayload>.self, from: Data(json.utf8)).result.status.outcome
    }

    private func status(reason: String?, detail: String?, array: Bool) -> String {
        func quoted(_ text: String?) -> String { text.map { "\"\($0)\"" } ?? "null" }
        let object =
            #"{"jobInfo":{"workflowId":"w","runId":"r","downloadUrl":"","statusUrl":"s"},"#
            + #""result":{"runnerState":"CLOSED","reason":\#(quoted(reason)),"detail":\#(quoted(detail))}}"#
        return #"{"status":"PASS","request":null,"message":null,"result":\#(array ? "[\(object)]" : object)}"#
    }

    @Test(arguments: [false, true])
    func thePhraseInReasonOrDetailInAnyCaseIsARejection(array: Bool) throws {
        let forms: [(String?, String?)] = [
            ("User is attempting to run too many exports.", "FAILED"),
            ("USER IS ATTEMPTING TO RUN TOO MANY EXPORTS", "FAILED"),
            ("Too many exports are running for this company; try later", nil),
            (nil, "Too Many Exports"),
            ("", "FAILED: user has too many exports queued"),
        ]
        for (reason, detail) in forms {
            #expect(
                try outcome(status(reason: reason, detail: detail, array: array)) == .rejectedByQueue,
                "reason \(reason ?? "nil"), detail \(detail ?? "nil")")
        }
    }

    @Test(arguments: [false, true])
    func anyOtherFailedReasonIsThatJobsFailure(array: Bool) throws {
        let json = status(reason: "Export timed out after 1000000 rows", detail: "FAILED", array: array)
        #expect(try outcome(json) == .failed(reason: "Export timed out after 1000000 rows", detail: "FAILED"))
        let many = status(reason: "too many rows in the export", detail: "FAILED", array: array)
        #expect(try outcome(many) == .failed(reason: "too many rows in the export", detail: "FAILED"))
    }

    @Test func theDocumentedWordsAreReadInAnyCase() throws {
        #expect(try outcome(status(reason: nil, detail: "completed", array: false)) == .completed)
        let lower = status(reason: nil, detail: "Completed", array: true).replacingOccurrences(
            of: "\"CLOSED\"", with: "\"closed\"")
        #expect(try outcome(lower) == .completed)
        let running = status(reason: nil, detail: "", array: false).replacingOccurrences(
            of: "\"CLOSED\"", with: "\"running\"")
        #expect(try outcome(running) == .inFlight)
        // A workflow engine's own close words are that job's end, not a completion.
        #expect(
            try outcome(status(reason: nil, detail: "TIMED_OUT", array: false))
                == .failed(reason: nil, detail: "TIMED_OUT"))
    }

    @Test func completedIsNotARejection() throws {
        #expect(try outcome(status(reason: "too many exports", detail: "COMPLETED", array: false)) == .completed)
    }
}

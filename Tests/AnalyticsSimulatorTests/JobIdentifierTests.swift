import Testing

@testable import AnalyticsSimulator

@Suite("Job identifiers")
struct JobIdentifierTests {
    /// CI once drew a runId whose only "+" sat where the missing "/" was then written: every id must keep both
    /// characters clients have to percent-encode, whatever the random bytes.
    @Test("every runId holds +, / and a trailing =, and starts with 23")
    func runIdsAlwaysNeedPercentEncoding() {
        for _ in 0..<20_000 {
            let ids = JobIdentifiers.make()
            #expect(ids.runId.hasPrefix("23"))
            #expect(ids.runId.contains("+"), "\(ids.runId)")
            #expect(ids.runId.contains("/"), "\(ids.runId)")
            #expect(ids.runId.hasSuffix("="), "\(ids.runId)")
            #expect(ids.runId.count == 46)
        }
    }
}

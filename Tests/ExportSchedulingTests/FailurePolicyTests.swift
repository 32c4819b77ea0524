import ExportScheduling
import Testing

@Suite("Failure policy")
struct FailurePolicyTests {
    @Test("size is read from a FAILED reason or a workflow engine's close word, in any spelling")
    func sizeRelatedWords() {
        for text in ["Export timed out after 900 seconds", "TIMED_OUT", "timed_out", "Row limit exceeded", "Timeout"] {
            #expect(FailurePolicy.isSizeRelated(text), "\(text)")
        }
        for text in [nil, "FAILED", "CANCELED", "TERMINATED", "internal error, submit it again"] {
            #expect(!FailurePolicy.isSizeRelated(text), "\(text ?? "nil")")
        }
    }

    @Test("a never-answered job's refusals are within its grace through 3 polls or 60 s, whichever lasts longer")
    func newJobGrace() {
        let policy = FailurePolicy()
        #expect(policy.isWithinNewJobGrace(polls: 1, seconds: 5))
        #expect(policy.isWithinNewJobGrace(polls: 3, seconds: 500), "a busy machine's late third poll")
        #expect(policy.isWithinNewJobGrace(polls: 9, seconds: 59))
        #expect(!policy.isWithinNewJobGrace(polls: 4, seconds: 60))
        #expect(!FailurePolicy(newJobGraceSeconds: 0, newJobGracePolls: 0).isWithinNewJobGrace(polls: 1, seconds: 0))
    }

    @Test("only a size-related failure splits; the others spend attempts, then fail")
    func decisions() {
        let policy = FailurePolicy(attempts: 3)
        #expect(policy.decide(.sizeRelated, spent: 1, canSplit: true) == .split)
        #expect(policy.decide(.sizeRelated, spent: 3, canSplit: false) == .fail)
        #expect(policy.decide(.permanent, spent: 1, canSplit: true) == .retry(after: 60))
        #expect(policy.decide(.permanent, spent: 3, canSplit: true) == .fail)
        #expect(policy.decide(.rejectedByQueue, spent: 9, canSplit: true) == .backOff)
        #expect(policy.decide(.credentials, spent: 1, canSplit: true) == .stopRun)
        #expect(policy.decide(.jobToken, spent: 1, canSplit: true) == .retry(after: 0))
    }
}

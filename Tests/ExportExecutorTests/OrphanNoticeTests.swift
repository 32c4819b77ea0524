import Foundation
import Testing

@testable import ExportExecutor

/// While jobs a run that ended left at the server hold the company's slots, this run's chunks wait with nothing to
/// show: the run says why, once, the first time it polls such a job.
@Suite("the orphan notice")
struct OrphanNoticeTests {
    final class Told: @unchecked Sendable {
        let lock = NSLock()
        var events: [ProgressEvent] = []
    }

    @Test func theFirstProbeOfAnEndedRunsJobIsToldOnceWithTheProbeInterval() {
        let told = Told()
        let notice = Executor.orphanNotice(every: 30) { event in told.lock.withLock { told.events.append(event) } }
        for _ in 0..<3 { notice() }
        let events = told.lock.withLock { told.events }
        #expect(events.count == 1, "once per run: \(events)")
        #expect(events.first?.kind == .warning)
        let message = events.first?.message ?? ""
        #expect(message.contains("a run of this company that ended left jobs at the server holding queue slots"))
        #expect(message.contains("polled every 30 s"), "\(message)")
    }
}

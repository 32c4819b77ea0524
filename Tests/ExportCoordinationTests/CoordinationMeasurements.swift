import ExportTestSupport
import Foundation
import Testing

@testable import ExportCoordination

/// Latencies per store, printed, never asserted: `EXPORTPIPE_COORDINATION_MEASURE=1 swift test --filter Measure`.
@Suite("Coordination measurements")
struct CoordinationMeasurements {
    static let enabled = ProcessInfo.processInfo.environment["EXPORTPIPE_COORDINATION_MEASURE"] == "1"

    @Test(
        "acquire and hand-off latency", .enabled(if: enabled, "set EXPORTPIPE_COORDINATION_MEASURE=1 to measure"),
        arguments: Backend.tested)
    func measure(_ backend: Backend) async throws {
        let timing = CoordinationTiming(leaseDuration: 60, noJobGrace: 600, orphanProbeInterval: 30)
        let fixture = CoordinatorFixture(backend, timing: timing)
        let one = try await fixture.make()
        let two = try await fixture.make()
        defer { Task { await fixture.tearDown([one, two]) } }
        let limits = try limits(1)

        // Uncontended: acquire then release, one after the other.
        let rounds = 200
        var start = DispatchTime.now().uptimeNanoseconds
        for _ in 0..<rounds {
            let lease = try await one.acquire(fixture.request("alice", limits: limits))
            try await one.release(lease)
        }
        let uncontended = Double(DispatchTime.now().uptimeNanoseconds - start) / Double(rounds) / 1e6

        // Hand-off: a waiter on another coordinator ("another process"); from the release to the waiter's grant.
        var handoffs: [Double] = []
        for _ in 0..<40 {
            let held = try await one.acquire(fixture.request("alice", limits: limits))
            let waiter = Task { () -> UInt64 in
                let lease = try await two.acquire(fixture.request("alice", limits: limits))
                let granted = DispatchTime.now().uptimeNanoseconds
                try await two.release(lease)
                return granted
            }
            try await eventually("queued") {
                try await one.snapshot(CoordinatorFixture.scope).waiters.count == 1
            }
            start = DispatchTime.now().uptimeNanoseconds
            try await one.release(held)
            let granted = try await waiter.value
            handoffs.append(Double(granted - start) / 1e6)
        }
        handoffs.sort()
        let median = handoffs[handoffs.count / 2]
        let p90 = handoffs[handoffs.count * 9 / 10]
        print(
            "MEASURE \(backend.rawValue): acquire+release \(String(format: "%.2f", uncontended)) ms; "
                + "hand-off to another coordinator median \(String(format: "%.1f", median)) ms, "
                + "p90 \(String(format: "%.1f", p90)) ms")
    }
}

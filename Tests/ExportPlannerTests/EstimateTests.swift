import AnalyticsAPI
import ExportPlanner
import ExportSpec
import Foundation
import Testing

/// The run estimate: job count, total job time from the cost model, and the wall-time lower bound.
@Suite struct EstimateTests {
    func chunk(_ type: ExportType, rows: Int, start: Int64) -> Chunk {
        Chunk(
            exportName: "x", request: ExportRequest(type: type, startTime: start, endTime: start + 1_000),
            reasons: [], expectedRows: rows, fanOut: [])
    }

    @Test func slotsAreUsersTimesRunningCappedByTheCompany() {
        let chunks = [chunk(.response, rows: 1_000, start: 0)]
        #expect(PlanEstimate(chunks: chunks, users: 1, outstandingPerUser: 2).slots == 2)
        #expect(PlanEstimate(chunks: chunks, users: 2, outstandingPerUser: 2).slots == 4)
        #expect(PlanEstimate(chunks: chunks, users: 5, outstandingPerUser: 2).slots == 4)
        #expect(PlanEstimate(chunks: chunks, users: 3, outstandingPerUser: 1).slots == 3)
        // Five outstanding per user still only run two at a time.
        #expect(PlanEstimate(chunks: chunks, users: 1, outstandingPerUser: 5).slots == 2)
    }

    @Test func theBoundIsTotalOverSlotsOrTheLongestJob() {
        let small = (0..<40).map { chunk(.response, rows: 10_000, start: Int64($0) * 1_000) }
        let each = CostModel.seconds(for: .response, rows: 10_000)
        let even = PlanEstimate(chunks: small, users: 2, outstandingPerUser: 2)
        #expect(even.jobCount == 40)
        #expect(abs(even.totalJobSeconds - 40 * each) < 1e-6)
        #expect(abs(even.wallSecondsLowerBound - 40 * each / 4) < 1e-6)

        let huge = chunk(.combined, rows: 2_000_000, start: 99_000)
        let skewed = PlanEstimate(chunks: small + [huge], users: 2, outstandingPerUser: 2)
        #expect(skewed.longestJobSeconds == huge.expectedSeconds)
        #expect(skewed.wallSecondsLowerBound == huge.expectedSeconds)
        #expect(skewed.wallSecondsLowerBound > skewed.totalJobSeconds / 4)
        #expect(PlanEstimate(chunks: [], users: 1, outstandingPerUser: 2).wallSecondsLowerBound == 0)
    }

    @Test func aPlanEstimatesItsOwnChunksWithTheCostModel() throws {
        let spec = B.spec(
            window: B.window(from: B.date(2026, 1, 1), to: B.date(2026, 2, 1)),
            exports: [
                B.export("posts", .incomingPost, chunk: .fixed(CalendarDuration(1, .day))),
                B.export("teams", .teamPerformance),
            ],
            users: 3)
        let plan = try planOK(spec)
        #expect(plan.estimate.jobCount == 32)
        #expect(plan.estimate.slots == 4)
        let total = plan.chunks.reduce(0.0) { $0 + CostModel.seconds(for: $1.type, rows: $1.expectedRows) }
        #expect(abs(plan.estimate.totalJobSeconds - total) < 1e-6)
        // 12,000 rows a day for posts.
        #expect(try export(plan, "posts").chunks.allSatisfy { $0.expectedRows == 12_000 })
    }
}

import ExportExecutor
import Foundation
import RunReporting
import Testing

@Suite("Prometheus metrics file")
struct PrometheusTextTests {
    @Test func theParserAcceptsTheFormatAndRejectsWhatACollectorWouldRefuse() throws {
        let good = """
            # HELP a_total Things.
            # TYPE a_total counter
            a_total{pipeline="p",user="x\\"y\\\\z"} 3
            # TYPE b gauge
            b 1.5e3 1700000000000

            """
        let samples = try PrometheusText.parse(good)
        #expect(samples.count == 2)
        #expect(samples[0].labels == ["pipeline": "p", "user": "x\"y\\z"])
        #expect(samples[1].value == 1500)
        let bad: [(String, String)] = [
            ("1a 3\n", "is not a valid metric name"),
            ("a{b=\"c} 3\n", "is not closed"),
            ("a{b=c} 3\n", "is not quoted"),
            ("a three\n", "is not a number"),
            ("# TYPE a countr\n", "unknown metric type"),
            ("a 1\nb 1\na 2\n", "are not all together"),
            ("a 1\n# TYPE a gauge\n", "comes after its samples"),
            ("a{x=\"1\",x=\"2\"} 1\n", "appears twice"),
        ]
        for (text, reason) in bad {
            #expect(throws: PrometheusText.ParseError.self) { try PrometheusText.parse(text) }
            do { _ = try PrometheusText.parse(text) } catch let error as PrometheusText.ParseError {
                #expect(error.reason.contains(reason), "\(text): \(error)")
            }
        }
    }

    @Test func countersFollowTheEventsAndEndAtTheExecutorsTotals() throws {
        let metrics = RunMetrics(
            pipeline: "nightly", users: ["u1", "u2"], exports: ["posts"], previous: nil, clock: { 1_000 })
        metrics.observe(ProgressEvent(.submitted, chunk: "a", export: "posts", user: "u1"))
        metrics.observe(ProgressEvent(.submitted, chunk: "b", export: "posts", user: "u1"))
        metrics.observe(ProgressEvent(.submitted, chunk: "c", export: "posts", user: "u2"))
        metrics.observe(ProgressEvent(.rejected, chunk: "c", export: "posts", user: "u2"))
        var during = try Self.values(metrics)
        #expect(during["exportpipe_submissions_total"] == 3)
        #expect(during["exportpipe_rejections_total"] == 1)
        #expect(during["exportpipe_slots_busy{user=u1}"] == 2)
        #expect(during["exportpipe_slots_busy{user=u2}"] == 0)
        #expect(during["exportpipe_run_in_progress"] == 1)

        var execution = ExecutionSummary()
        execution.submissions = 4  // one submit failed before the API answered: no event for it
        execution.rejections = 1
        execution.statusRequests = 17
        execution.retries = 2
        metrics.finish(execution: execution, succeeded: true)
        during = try Self.values(metrics)
        #expect(during["exportpipe_submissions_total"] == 4)
        #expect(during["exportpipe_status_requests_total"] == 17)
        #expect(during["exportpipe_retries_total"] == 2)
        #expect(during["exportpipe_slots_busy{user=u1}"] == 0)
        #expect(during["exportpipe_run_in_progress"] == 0)
        #expect(during["exportpipe_last_success_timestamp_seconds"] == 1_000)
    }

    @Test func aFailedRunKeepsTheLastSuccessOfThePreviousFile() throws {
        let previous = """
            # TYPE exportpipe_last_success_timestamp_seconds gauge
            exportpipe_last_success_timestamp_seconds{pipeline="other"} 5
            exportpipe_last_success_timestamp_seconds{pipeline="nightly"} 1234.5

            """
        let metrics = RunMetrics(pipeline: "nightly", users: ["u1"], exports: [], previous: previous, clock: { 9_999 })
        metrics.finish(execution: ExecutionSummary(), succeeded: false)
        #expect(try Self.values(metrics)["exportpipe_last_success_timestamp_seconds"] == 1234.5)
    }

    /// Samples by name plus their labels other than `pipeline`, which every sample must carry.
    static func values(_ metrics: RunMetrics) throws -> [String: Double] {
        let samples = try PrometheusText.parse(String(decoding: metrics.render(), as: UTF8.self))
        var result: [String: Double] = [:]
        for sample in samples {
            #expect(sample.labels["pipeline"] == metrics.pipeline, "\(sample.name)")
            let rest = sample.labels.filter { $0.key != "pipeline" }.sorted { $0.key < $1.key }
            let key =
                rest.isEmpty
                ? sample.name : sample.name + "{" + rest.map { "\($0.key)=\($0.value)" }.joined(separator: ",") + "}"
            result[key] = sample.value
        }
        return result
    }
}

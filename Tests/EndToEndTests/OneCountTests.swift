import ExportTestSupport
import Foundation
import Testing

/// Issue 21, "one count everywhere", as processes: after a run and after its resume, `exportpipe status` gives each
/// export's output as it is on disk (the merged CSV's size, a dataset's partitions) and counts chunks as the run's
/// end-of-run table and `run-summary.json` do; the terminal names every window exported again as the summary does,
/// also when it was cut differently the second time.
@Suite("status, the table and the summary agree with the files", .serialized)
struct OneCountTests {
    /// The end-of-run table's `done` column (`4/4`) per export, from a run's standard error.
    static func table(_ stderr: String, exports: [String]) -> [String: String] {
        var done: [String: String] = [:]
        for line in stderr.split(separator: "\n") {
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            guard fields.count == 4, exports.contains(String(fields[0])), fields[1].contains("/") else { continue }
            done[String(fields[0])] = String(fields[1])
        }
        return done
    }

    /// Checks `status --json` and the status table against the summary and the files in `out`.
    static func expectStatusAgrees(
        _ runner: CLIRunner, spec: String, out: String, runStderr: String, partitioned: Bool = false
    ) async throws {
        let summary = try TruthfulRunTests.jsonFile(out + "/run-summary.json")
        let exports = try #require(summary["exports"] as? [[String: Any]])
        let names = exports.compactMap { $0["name"] as? String }
        let table = Self.table(runStderr, exports: names)

        let status = try await runner.run(["status", spec, "--json", "--no-slots"])
        #expect(status.status == 0, "\(status.stderr)")
        let report = try TruthfulRunTests.json(status.stdout)
        let lines = try #require(report["exports"] as? [[String: Any]])
        #expect(lines.compactMap { $0["export"] as? String } == names, "the plan's exports, in its order")
        let text = try await runner.run(["status", spec, "--no-slots"])
        #expect(text.status == 0, "\(text.stderr)")
        for export in exports {
            let name = try #require(export["name"] as? String)
            let line = try #require(lines.first { $0["export"] as? String == name }, "\(name): \(status.stdout)")
            let chunks = try #require(export["chunks"] as? Int)
            let verified = try #require(export["verified"] as? Int)
            #expect(line["chunks"] as? Int == chunks, "\(name): \(line) vs the summary's \(export)")
            #expect(line["verified"] as? Int == verified, "\(name): \(line) vs the summary's \(export)")
            #expect(table[name] == "\(verified)/\(chunks)", "\(name): the end-of-run table says \(table[name] ?? "-")")
            if partitioned {
                let manifest = try TruthfulRunTests.jsonFile(out + "/" + name + "/_manifest.json")
                let partitions = try #require(manifest["partitions"] as? [[String: Any]])
                let rows = partitions.reduce(0) { $0 + ($1["rows"] as? Int ?? 0) }
                #expect(line["rows"] as? Int == rows, "\(name): status rows vs the dataset's \(rows)")
            } else {
                let output = try #require(export["output"] as? [String: Any], "\(name) is written: \(export)")
                #expect(line["rows"] as? Int == output["rows"] as? Int, "\(name): status rows vs the file's")
            }

            // The bytes of the files on disk: the merged CSV, or every partition of the dataset.
            var files: [String] = []
            if partitioned {
                let root = out + "/" + name
                let enumerator = FileManager.default.enumerator(atPath: root)
                while let path = enumerator?.nextObject() as? String {
                    if path.contains("=") && !path.hasSuffix("/") && !path.hasPrefix("_")
                        && (path.hasSuffix(".csv") || path.hasSuffix(".csv.gz"))
                    {
                        files.append(root + "/" + path)
                    }
                }
            } else {
                files = [out + "/" + name + ".csv"]
            }
            #expect(!files.isEmpty)
            let onDisk = try files.reduce(Int64(0)) { total, path in
                total + ((try FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber)?.int64Value ?? -1)
            }
            #expect((line["bytes"] as? NSNumber)?.int64Value == onDisk, "\(name): status bytes vs \(onDisk) on disk")
            let chunkBytes = (line["chunkBytes"] as? NSNumber)?.int64Value ?? 0
            if !partitioned && verified > 1 {
                #expect(chunkBytes > onDisk, "each chunk file repeats the header: \(line)")
            }

            let row = try #require(
                text.stdout.split(separator: "\n").first { $0.hasPrefix(name + " ") }, "\(name): \(text.stdout)")
            let fields = row.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
            #expect(fields[1] == "\(verified)/\(chunks)", "\(row)")
            #expect(fields[6] == "\(onDisk)", "the table's bytes are the file's: \(row)")
        }
    }

    @Test func statusTheTableAndTheSummaryAgreeWithTheFilesAfterARunAndItsResume() async throws {
        let runner = try CLIRunner()
        let (directory, spec) = try TruthfulRunTests.demoCopy()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let arguments = ["run", spec, "--progress", "plain", "--now", TruthfulRunTests.realNow()]
        let out = directory + "/out/demo"

        let first = try await runner.run(arguments, timeout: 300)
        #expect(first.status == 0, "\(first.stderr)")
        try await Self.expectStatusAgrees(runner, spec: spec, out: out, runStderr: first.stderr)

        // responses is cut in 2 days from now on: the window the first run verified within run.settle is cut
        // differently, so no `replanned` event names its old chunk; the summary and the terminal still do.
        let text = try String(contentsOfFile: spec, encoding: .utf8)
        let edited = text.replacingOccurrences(
            of: "type: response\n    chunk: 7d", with: "type: response\n    chunk: 2d")
        #expect(edited != text)
        try edited.write(toFile: spec, atomically: true, encoding: .utf8)

        let second = try await runner.run(arguments, timeout: 300)
        #expect(second.status == 0, "\(second.stderr)")
        try await Self.expectStatusAgrees(runner, spec: spec, out: out, runStderr: second.stderr)

        let summary = try TruthfulRunTests.jsonFile(out + "/run-summary.json")
        let again = (summary["exportedAgain"] as? [[String: Any]]) ?? []
        #expect(!again.isEmpty, "windows verified within run.settle are exported again")
        #expect(second.stderr.contains("exported again: \(again.count) window(s)"), "\(second.stderr)")
        for entry in again {
            let chunk = try #require(entry["chunk"] as? String)
            let reason = try #require(entry["reason"] as? String)
            #expect(second.stderr.contains("(chunk \(chunk)): \(reason)"), "the terminal names \(entry)")
        }
        let replanned = second.stderr.split(separator: "\n").filter { $0.contains(" replanned ") }
        let recut = again.filter { entry in
            entry["export"] as? String == "responses"
                && !replanned.contains { $0.contains("chunk \(entry["chunk"] as? String ?? "?")") }
        }
        #expect(!recut.isEmpty, "a window cut differently is named although no replanned event named it")
    }

    @Test func statusGivesTheBytesOfADatasetsPartitionsOnDisk() async throws {
        let runner = try CLIRunner()
        let (directory, spec) = try TruthfulRunTests.demoCopy()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let text = try String(contentsOfFile: spec, encoding: .utf8)
        let partitioned = text.replacingOccurrences(
            of: "output:\n  dir: out/demo", with: "output:\n  layout: partitioned\n  dir: out/demo")
        #expect(partitioned != text)
        try partitioned.write(toFile: spec, atomically: true, encoding: .utf8)
        let run = try await runner.run(
            ["run", spec, "--progress", "plain", "--now", TruthfulRunTests.realNow()], timeout: 300)
        #expect(run.status == 0, "\(run.stderr)")
        try await Self.expectStatusAgrees(
            runner, spec: spec, out: directory + "/out/demo", runStderr: run.stderr, partitioned: true)
    }
}

import ExportTestSupport
import Foundation
import Testing

/// `exportpipe merge` as a user runs it: the built binary, its stdout, stderr and exit status.
@Suite("exportpipe merge")
struct MergeCommandTests {
    /// Runs the built binary (found by the shared `CLIRunner`) and captures its output.
    private func run(_ arguments: [String]) async throws -> CLIResult {
        try await CLIRunner().run(arguments, timeout: 120)
    }

    private func temporaryDirectory() throws -> String {
        let path = NSTemporaryDirectory() + "merge-e2e-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    private func write(_ path: String, _ text: String) throws {
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
    }

    private func read(_ path: String) throws -> String {
        String(decoding: try Data(contentsOf: URL(fileURLWithPath: path)), as: UTF8.self)
    }

    @Test("concatenation prints a one-line summary and writes the merged file")
    func concatenate() async throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try write(directory + "/a.csv", "id,text\r\n1,\"a,\r\nb\"\r\n")
        try write(directory + "/b.csv", "id,text\r\n2,c\r\n")
        let outcome = try await run([
            "merge", "--out", directory + "/out.csv", directory + "/a.csv", directory + "/b.csv",
        ])
        let expected = "id,text\r\n1,\"a,\r\nb\"\r\n2,c\r\n"
        #expect(outcome.status == 0)
        #expect(outcome.stderr == "")
        #expect(try read(directory + "/out.csv") == expected)
        #expect(
            outcome.stdout.hasPrefix(
                "merged 2 files into \(directory)/out.csv: 2 rows, \(expected.utf8.count) bytes, sha256 "))
        #expect(outcome.stdout.hasSuffix(", 0 duplicates dropped\n"))
        #expect(outcome.stdout.split(separator: "\n").count == 1)
    }

    @Test("--sort-by k-way merges, --dedupe-on drops repeats, --manifest records the export")
    func sortedWithManifest() async throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try write(directory + "/t1.csv", "time,id\n2025-03-09T03:15:00.000-04:00,5\n2025-03-09T08:00:00Z,7\n")
        try write(directory + "/t2.csv", "time,id\n2025-03-09T07:15:00Z,10\n2025-03-09T08:00:00Z,7\n")
        let outcome = try await run([
            "merge", "--out", directory + "/out.csv", "--sort-by", "time,id", "--dedupe-on", "id", "--manifest",
            directory + "/manifest.json", directory + "/t1.csv", directory + "/t2.csv",
        ])
        #expect(outcome.status == 0)
        #expect(outcome.stderr == "")
        #expect(
            try read(directory + "/out.csv")
                == "time,id\n2025-03-09T03:15:00.000-04:00,5\n2025-03-09T07:15:00Z,10\n2025-03-09T08:00:00Z,7\n")
        #expect(outcome.stdout.contains(": 3 rows, "))
        #expect(outcome.stdout.hasSuffix(", 1 duplicates dropped\n"))
        let manifest = try read(directory + "/manifest.json")
        #expect(manifest.contains("\"file\" : \"out.csv\""))
        #expect(manifest.contains("\"sort_key\" : [\n        \"time\",\n        \"id\"\n      ]"))
        #expect(manifest.contains("\"duplicates_dropped\" : 1"))
    }

    @Test("malformed input exits 1 with the file, record and byte offset, and keeps the old output")
    func malformed() async throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try write(directory + "/a.csv", "id,v\n1,a\n2\n")
        try write(directory + "/out.csv", "old\n")
        let outcome = try await run(["merge", "--out", directory + "/out.csv", directory + "/a.csv"])
        #expect(outcome.status == 1)
        #expect(outcome.stdout == "")
        #expect(
            outcome.stderr
                == "error: \(directory)/a.csv: record 3 (byte offset 9): the record has 1 field but the header has 2; "
                + "the file is damaged or not one CSV table.\n")
        #expect(try read(directory + "/out.csv") == "old\n")
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory).sorted() == ["a.csv", "out.csv"])
    }

    @Test("a header mismatch exits 1 naming both files")
    func headerMismatch() async throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try write(directory + "/a.csv", "id,team\n1,x\n")
        try write(directory + "/b.csv", "id,queue\n2,y\n")
        let outcome = try await run([
            "merge", "--out", directory + "/out.csv", directory + "/a.csv", directory + "/b.csv",
        ])
        #expect(outcome.status == 1)
        #expect(outcome.stderr.contains("\(directory)/b.csv: record 1 (byte offset 0): its header does not match"))
        #expect(outcome.stderr.contains("\"team\" only in \(directory)/a.csv; \"queue\" only in \(directory)/b.csv"))
        #expect(!FileManager.default.fileExists(atPath: directory + "/out.csv"))
    }
}

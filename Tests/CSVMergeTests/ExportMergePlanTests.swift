import AnalyticsAPI
import CSVMerge
import Foundation
import Testing

@Suite("An export's merge plan: groups as planned, roles by candidates, fallbacks instead of failures")
struct ExportMergePlanTests {
    private let candidates = ColumnRoleNames(
        time: ["event_time", "Event Time"], id: ["record_id", "Record ID"], key: [["record_id", "Record ID"]])

    private func chunk(
        _ directory: TemporaryDirectory, _ name: String, _ text: String, window: (Int64, Int64), group: String = "",
        reading: TimeReading = .utc
    ) throws -> ExportMergePlan.Chunk {
        let path = try directory.write(name, text)
        return ExportMergePlan.Chunk(
            id: name, path: path, manifestFile: "chunks/\(name)",
            window: TimeWindow(startMs: window.0, endMs: window.1),
            group: group, rows: 0, timeReading: reading)
    }

    private func plan(_ directory: TemporaryDirectory, _ chunks: [ExportMergePlan.Chunk]) -> ExportMergePlan {
        ExportMergePlan(
            exportName: "events", chunks: chunks, candidates: candidates, output: directory.file("out.csv"),
            scratchDirectory: directory.file("scratch"))
    }

    @Test func labelledHeadersWithLocalTimesMergeLikeOneExport() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        // Two teams over the New York fall-back night, times without offset; the boundary row at 01:30 (second
        // reading) is in both windows of team 1 (an inclusive end time).
        let header = "Event Time,Record ID,Team\r\n"
        let chunks = [
            try chunk(
                directory, "a1.csv",
                header + "2026-11-01 01:10:00,1,1\r\n2026-11-01 01:50:00,3,1\r\n2026-11-01 01:30:00,6,1\r\n",
                window: (1_793_509_200_000, 1_793_511_000_000), group: "team=1", reading: .zone("America/New_York")),
            try chunk(
                directory, "a2.csv", header + "2026-11-01 01:30:00,6,1\r\n2026-11-01 01:40:00,8,1\r\n",
                window: (1_793_511_000_000, 1_793_520_000_000), group: "team=1", reading: .zone("America/New_York")),
            try chunk(
                directory, "b.csv",
                header + "2026-11-01 01:20:00,2,2\r\n2026-11-01 01:05:00,5,2\r\n2026-11-01 01:35:00,7,2\r\n",
                window: (1_793_509_200_000, 1_793_520_000_000), group: "team=2", reading: .zone("America/New_York")),
        ]
        let outcome = try plan(directory, chunks).merge()
        #expect(outcome.roles == ResolvedColumnRoles(time: "Event Time", id: "Record ID", key: ["Record ID"]))
        #expect(outcome.sortKey == ["Event Time", "Record ID"])
        #expect(outcome.warnings.isEmpty, "\(outcome.warnings)")
        #expect(outcome.result.duplicatesDropped == 1)
        #expect(
            String(decoding: try directory.read("out.csv"), as: UTF8.self)
                == header
                + "2026-11-01 01:10:00,1,1\r\n2026-11-01 01:20:00,2,2\r\n2026-11-01 01:50:00,3,1\r\n"
                + "2026-11-01 01:05:00,5,2\r\n2026-11-01 01:30:00,6,1\r\n2026-11-01 01:35:00,7,2\r\n"
                + "2026-11-01 01:40:00,8,1\r\n")
        #expect(outcome.chunks.map(\.tag) == ["team=1", "team=1", "team=2"])
    }

    @Test func noRoleAtAllConcatenatesGroupsInWindowOrderWithOneWarning() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let header = "When,What\r\n"
        let chunks = [
            try chunk(directory, "b2.csv", header + "t4,b\r\nt5,b\r\n", window: (10, 20), group: "team=2"),
            try chunk(directory, "a2.csv", header + "t3,a\r\nt6,a\r\n", window: (10, 20), group: "team=1"),
            try chunk(directory, "a1.csv", header + "t1,a\r\nt3,a\r\n", window: (0, 10), group: "team=1"),
            try chunk(directory, "b1.csv", header + "t2,b\r\n", window: (0, 10), group: "team=2"),
        ]
        let outcome = try plan(directory, chunks).merge()
        #expect(outcome.roles == ResolvedColumnRoles())
        #expect(outcome.sortKey == nil)
        #expect(outcome.warnings.count == 1)
        let warning = try #require(outcome.warnings.first)
        #expect(warning.hasPrefix("events: no time_column"))
        #expect(warning.contains("the row order differs from one whole export's"))
        #expect(warning.contains("recognised by all their columns where adjacent windows overlap"))
        // The boundary row "t3,a" (end of a1, start of a2) is written once.
        #expect(
            String(decoding: try directory.read("out.csv"), as: UTF8.self)
                == header + "t1,a\r\nt3,a\r\nt6,a\r\nt2,b\r\nt4,b\r\nt5,b\r\n")
        #expect(outcome.result.duplicatesDropped == 1)
    }

    @Test func zeroRowChunksInTheMiddleAreValid() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let header = "event_time,record_id\r\n"
        let chunks = [
            try chunk(directory, "1.csv", header + "1970-01-01T00:00:00.001Z,1\r\n", window: (0, 10)),
            try chunk(directory, "2.csv", "", window: (10, 20)),
            try chunk(directory, "3.csv", header, window: (20, 30)),
            try chunk(directory, "4.csv", header + "1970-01-01T00:00:00.031Z,2\r\n", window: (30, 40)),
        ]
        let outcome = try plan(directory, chunks).merge()
        #expect(outcome.warnings.isEmpty)
        #expect(
            String(decoding: try directory.read("out.csv"), as: UTF8.self)
                == header + "1970-01-01T00:00:00.001Z,1\r\n1970-01-01T00:00:00.031Z,2\r\n")
    }

    @Test func unreadableTimesKeepTheirFileOrderWithAWarning() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let header = "event_time,record_id\r\n"
        let chunks = [
            try chunk(directory, "a.csv", header + "soon,1\r\nlater,2\r\n", window: (0, 10), group: "team=1"),
            try chunk(
                directory, "b.csv", header + "2026-01-01T00:00:00Z,3\r\n2026-01-01T00:00:01Z,4\r\n", window: (0, 10),
                group: "team=2"),
        ]
        let outcome = try plan(directory, chunks).merge()
        #expect(outcome.result.rows == 4)
        let text = outcome.warnings.joined(separator: "\n")
        #expect(text.contains(#"(the first: "soon") are in no known time form"#), "\(text)")
        #expect(text.contains("sorts before the previous one"), "\(text)")
        let lines = String(decoding: try directory.read("out.csv"), as: UTF8.self).split(separator: "\r\n")
        // Each group's rows keep their file order.
        #expect(lines.firstIndex(of: "soon,1")! < lines.firstIndex(of: "later,2")!)
        #expect(lines.firstIndex(of: "2026-01-01T00:00:00Z,3")! < lines.firstIndex(of: "2026-01-01T00:00:01Z,4")!)
    }
}

import Foundation
import Testing

@testable import CSVMerge

@Suite("CSVMerger")
struct CSVMergerTests {
    private func merge(
        _ files: [(String, String)], options: MergeOptions = MergeOptions(), in directory: TemporaryDirectory
    ) throws -> MergeResult {
        let inputs = try files.map { MergeInput(path: try directory.write($0.0, $0.1)) }
        return try CSVMerger(options: options).merge(inputs, into: directory.file("out.csv"))
    }

    private func mergeError(
        _ files: [(String, String)], options: MergeOptions = MergeOptions(), in directory: TemporaryDirectory
    ) throws -> CSVMergeError {
        do {
            _ = try merge(files, options: options, in: directory)
        } catch let error as CSVMergeError {
            return error
        }
        Issue.record("expected the merge to fail")
        throw CSVMergeError(kind: .cannotRead, file: "", message: "no error")
    }

    @Test("a header mismatch names both files and the differing columns")
    func headerMismatch() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let error = try mergeError(
            [("a.csv", "id,time,team\n1,t,x\n"), ("b.csv", "id,time,queue\n2,t,y\n")], in: directory)
        #expect(error.kind == .headerMismatch)
        #expect(error.file == directory.file("b.csv"))
        #expect(error.description.contains("\"team\" only in \(directory.file("a.csv"))"))
        #expect(error.description.contains("\"queue\" only in \(directory.file("b.csv"))"))
    }

    @Test("a failing merge leaves the previous output intact and no temporary file")
    func atomicity() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        try directory.write("out.csv", "previous output\n")
        let error = try mergeError(
            [("a.csv", "id,v\n1,a\n"), ("b.csv", "id,v\n" + String(repeating: "2,b\n", count: 5000) + "3,\"open\n")],
            options: MergeOptions(readBufferSize: 64, writeBufferSize: 4096), in: directory)
        #expect(error.kind == .unterminatedQuote)
        #expect(error.record == 5002)
        #expect(try directory.read("out.csv") == Array("previous output\n".utf8))
        #expect(try directory.contents() == ["a.csv", "b.csv", "out.csv"])
    }

    @Test("the result reports rows, bytes, SHA-256 and per-input rows")
    func resultNumbers() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let result = try merge([("a.csv", "id,v\r\n1,a\r\n2,b\r\n"), ("b.csv", "id,v\r\n3,c\r\n")], in: directory)
        let expected = "id,v\r\n1,a\r\n2,b\r\n3,c\r\n"
        #expect(try directory.read("out.csv") == Array(expected.utf8))
        #expect(result.rows == 3)
        #expect(result.bytes == Int64(expected.utf8.count))
        #expect(result.sha256 == Self.sha256Hex(Array(expected.utf8)))
        #expect(result.inputs.map(\.rows) == [2, 1])
        #expect(result.columns == ["id", "v"])
    }

    @Test("a chunk ending without a line ending gets the header's line ending when more records follow")
    func missingFinalNewline() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        _ = try merge([("a.csv", "id,v\r\n1,a"), ("b.csv", "id,v\r\n2,b")], in: directory)
        #expect(try directory.read("out.csv") == Array("id,v\r\n1,a\r\n2,b".utf8))
    }

    @Test("the first file's BOM is kept; later files' BOMs are not copied; headers compare without it")
    func byteOrderMarks() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let bom: [UInt8] = [0xEF, 0xBB, 0xBF]
        let a = try directory.write("a.csv", bom + Array("id,v\n1,a\n".utf8))
        let b = try directory.write("b.csv", Array("id,v\n2,b\n".utf8))
        let c = try directory.write("c.csv", bom + Array("v,id\nc,3\n".utf8))
        _ = try CSVMerger().merge([a, b, c].map { MergeInput(path: $0) }, into: directory.file("out.csv"))
        #expect(try directory.read("out.csv") == bom + Array("id,v\n1,a\n2,b\n3,c\n".utf8))
    }

    @Test("empty chunk files (no header) contribute nothing; header-only chunks contribute no rows")
    func emptyChunks() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let result = try merge([("a.csv", ""), ("b.csv", "id\n"), ("c.csv", "id\n7\n"), ("d.csv", "")], in: directory)
        #expect(try directory.read("out.csv") == Array("id\n7\n".utf8))
        #expect(result.inputs.map(\.rows) == [0, 0, 1, 0])
    }

    @Test("overlapping windows cannot be concatenated")
    func overlappingWindows() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let a = try directory.write("a.csv", "id\n1\n")
        let b = try directory.write("b.csv", "id\n2\n")
        #expect {
            try CSVMerger().merge(
                [
                    MergeInput(path: a, window: TimeWindow(startMs: 0, endMs: 2000), tag: "team-1"),
                    MergeInput(path: b, window: TimeWindow(startMs: 1000, endMs: 3000), tag: "team-2"),
                ], into: directory.file("out.csv"))
        } throws: { error in
            (error as? CSVMergeError)?.kind == .overlappingWindows
                && "\(error)".contains("Merge fan-out chunks with a sort key")
        }
    }

    @Test("semicolon files merge as semicolon files: sorted across fan-out, reordered columns, the delimiter kept")
    func semicolonDelimitedFiles() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let a = "Created Time;id;note\r\n2025-01-01 10:00:00;1;\"a;b\"\r\n2025-01-01 12:00:00;3;x,y\r\n"
        // The same columns in another order: rewritten into the first file's order with its delimiter.
        let b = "id;Created Time;note\r\n2;2025-01-01 11:00:00;\r\n4;2025-01-01 13:00:00;\"q\"\"\"\r\n"
        let result = try merge(
            [("a.csv", a), ("b.csv", b)],
            options: MergeOptions(mode: .sorted(by: ["created_time", "id"]), timeColumn: "created_time"),
            in: directory)
        #expect(result.rows == 4)
        #expect(
            String(decoding: try directory.read("out.csv"), as: UTF8.self)
                == "Created Time;id;note\r\n2025-01-01 10:00:00;1;\"a;b\"\r\n2025-01-01 11:00:00;2;\r\n"
                + "2025-01-01 12:00:00;3;x,y\r\n2025-01-01 13:00:00;4;\"q\"\"\"\r\n")
        let error = try mergeError(
            [("c.csv", "id;t\n1;2\n"), ("d.csv", "id,t\n3,4\n")], options: MergeOptions(), in: directory)
        #expect(error.kind == .headerMismatch && error.message.contains("delimited by commas"))
    }

    @Test("a sorted merge rejects a chunk that is not in sort order, naming the record")
    func unsortedInput() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let error = try mergeError(
            [("a.csv", "t,id\n2025-01-01T00:00:00Z,1\n2025-01-01T00:00:00Z,10\n2025-01-01T00:00:00Z,9\n")],
            options: MergeOptions(mode: .sorted(by: ["t", "id"])), in: directory)
        #expect(error.kind == .inputNotSorted)
        #expect(error.record == 4)
        #expect(error.byteOffset == 52)
    }

    @Test("an unknown sort or key column lists the columns there are")
    func unknownColumn() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let error = try mergeError(
            [("a.csv", "t,id\n1,2\n")], options: MergeOptions(mode: .sorted(by: ["time"])), in: directory)
        #expect(error.kind == .unknownColumn)
        #expect(error.message.contains("\"time\" is not in the header; the columns are \"t\", \"id\""))
    }

    @Test("concatenation with dedupe and no group column remembers recent keys")
    func recentKeyDedupe() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let result = try merge(
            [("a.csv", "id,v\n1,a\n2,b\n"), ("b.csv", "id,v\n2,b\n3,c\n")],
            options: MergeOptions(deduplication: .init(keyColumns: ["id"])), in: directory)
        #expect(try directory.read("out.csv") == Array("id,v\n1,a\n2,b\n3,c\n".utf8))
        #expect(result.duplicatesDropped == 1)
        #expect(result.inputs.map(\.rowsWritten) == [2, 1])
    }

    @Test("cancellation aborts the merge and keeps the previous output")
    func cancellation() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        try directory.write("out.csv", "old\n")
        let error = try mergeError([("a.csv", "id\n1\n")], options: MergeOptions(isCancelled: { true }), in: directory)
        #expect(error.kind == .cancelled)
        #expect(try directory.read("out.csv") == Array("old\n".utf8))
        #expect(try directory.contents() == ["a.csv", "out.csv"])
    }

    @Test("a missing chunk file is reported by path and nothing is written")
    func missingInput() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let a = try directory.write("a.csv", "id\n1\n")
        #expect {
            try CSVMerger().merge(
                [MergeInput(path: a), MergeInput(path: directory.file("gone.csv"))], into: directory.file("out.csv"))
        } throws: { error in
            (error as? CSVMergeError)?.kind == .cannotOpen && "\(error)".hasPrefix(directory.file("gone.csv") + ": ")
        }
        #expect(try directory.contents() == ["a.csv"])
    }

    @Test("a concatenation of many chunks reads them one at a time (more chunks than a sorted merge's buffers)")
    func manyChunks() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        var inputs: [MergeInput] = []
        var expected = "id,v\r\n"
        for index in 0..<300 {
            inputs.append(MergeInput(path: try directory.write("c\(index).csv", "id,v\r\n\(index),\"x\r\ny\"\r\n")))
            expected += "\(index),\"x\r\ny\"\r\n"
        }
        let result = try CSVMerger().merge(inputs, into: directory.file("out.csv"))
        #expect(result.rows == 300)
        #expect(try directory.read("out.csv") == Array(expected.utf8))
    }

    static func sha256Hex(_ bytes: [UInt8]) -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["sha256sum"]
        let input = Pipe()
        let output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        guard (try? process.run()) != nil else { return "" }
        input.fileHandleForWriting.write(Data(bytes))
        try? input.fileHandleForWriting.close()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(decoding: data, as: UTF8.self).split(separator: " ").first.map(String.init) ?? ""
    }
}

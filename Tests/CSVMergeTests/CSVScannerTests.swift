import Foundation
import Testing

@testable import CSVMerge

@Suite("CSVScanner")
struct CSVScannerTests {
    /// One scanned record: its raw bytes and its field values.
    struct Scanned: Equatable {
        var raw: String
        var fields: [String]
    }

    private func scan(_ text: String, bufferSize: Int = 1 << 16, expectedFields: Int? = nil) throws -> [Scanned] {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let scanner = try CSVScanner(path: try directory.write("in.csv", text), bufferSize: bufferSize)
        scanner.expectedFieldCount = expectedFields
        var records: [Scanned] = []
        while try scanner.next() != nil {
            records.append(
                Scanned(raw: String(decoding: scanner.recordBytes, as: UTF8.self), fields: scanner.fieldStrings()))
        }
        return records
    }

    private func scanError(_ text: String, bufferSize: Int = 1 << 16, expectedFields: Int? = nil) throws
        -> CSVMergeError
    {
        do {
            _ = try scan(text, bufferSize: bufferSize, expectedFields: expectedFields)
        } catch let error as CSVMergeError {
            return error
        }
        Issue.record("expected an error")
        throw CSVMergeError(kind: .cannotRead, file: "", message: "no error")
    }

    @Test("quoted fields with commas, doubled quotes and embedded CR/LF", arguments: [16, 17, 19, 23, 64, 65_536])
    func quotedFields(bufferSize: Int) throws {
        let text = "a,b,c\r\n\"x,y\",\"say \"\"hi\"\"\",\"two\r\nlines\"\r\nplain,,\"\"\r\n\"lf\nonly\",é🙂,end"
        let records = try scan(text, bufferSize: bufferSize, expectedFields: 3)
        #expect(
            records == [
                Scanned(raw: "a,b,c\r\n", fields: ["a", "b", "c"]),
                Scanned(
                    raw: "\"x,y\",\"say \"\"hi\"\"\",\"two\r\nlines\"\r\n",
                    fields: ["x,y", "say \"hi\"", "two\r\nlines"]),
                Scanned(raw: "plain,,\"\"\r\n", fields: ["plain", "", ""]),
                Scanned(raw: "\"lf\nonly\",é🙂,end", fields: ["lf\nonly", "é🙂", "end"]),
            ])
    }

    /// The docs say nothing of the delimiter; spreadsheet-style exports in locales with a decimal comma use `;`.
    @Test(
        "the header line decides the delimiter: a comma when it has one outside quotes, else ; or a tab",
        arguments: [16, 23, 65_536])
    func delimiters(bufferSize: Int) throws {
        let semicolons = "id;\"name; full\";amount\r\n1;\"a;b\";3,5\r\n2;\"say \"\"hi\"\"\";\r\n"
        #expect(
            try scan(semicolons, bufferSize: bufferSize, expectedFields: 3).map(\.fields) == [
                ["id", "name; full", "amount"], ["1", "a;b", "3,5"], ["2", "say \"hi\"", ""],
            ])
        let tabs = "id\tname\n1\tx y\n"
        #expect(
            try scan(tabs, bufferSize: bufferSize, expectedFields: 2).map(\.fields) == [["id", "name"], ["1", "x y"]])
        // A quoted semicolon in a comma header, and a comma-less header whose quoted name has a comma: each keeps
        // the delimiter its unquoted bytes show.
        let commas = "\"a;b\",c\n1;2,3\n"
        #expect(
            try scan(commas, bufferSize: bufferSize, expectedFields: 2).map(\.fields) == [["a;b", "c"], ["1;2", "3"]])
        let quotedComma = "\"a,b\";c\n1;2\n"
        #expect(
            try scan(quotedComma, bufferSize: bufferSize, expectedFields: 2).map(\.fields) == [
                ["a,b", "c"], ["1", "2"],
            ])
        // One column: no delimiter to find, a comma is assumed (and a BOM does not hide the header).
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let scanner = try CSVScanner(path: try directory.write("one.csv", "\u{FEFF}id\n1\n"), bufferSize: bufferSize)
        _ = try scanner.next()
        #expect(scanner.delimiter == UInt8(ascii: ",") && scanner.hasByteOrderMark && scanner.fieldStrings() == ["id"])
    }

    @Test("LF and CRLF record ends are kept as they are; a bare CR is data")
    func lineEndings() throws {
        let records = try scan("a,b\nc,d\r\ne\rf,g\n")
        #expect(records.map(\.raw) == ["a,b\n", "c,d\r\n", "e\rf,g\n"])
        #expect(records[2].fields == ["e\rf", "g"])
    }

    @Test("a record larger than the buffer grows it and is read whole")
    func recordLargerThanBuffer() throws {
        let long = String(repeating: "x", count: 5000)
        let text = "h1,h2\n\"\(long)\",\(long)\nshort,row\n"
        let records = try scan(text, bufferSize: 16, expectedFields: 2)
        #expect(records.map(\.fields) == [["h1", "h2"], [long, long], ["short", "row"]])
    }

    @Test("a leading UTF-8 BOM is reported and not part of the first field")
    func byteOrderMark() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = try directory.write("bom.csv", [0xEF, 0xBB, 0xBF] + Array("id,name\r\n1,x\r\n".utf8))
        let scanner = try CSVScanner(path: path, bufferSize: 16)
        let header = try #require(try scanner.next())
        #expect(scanner.hasByteOrderMark)
        #expect(scanner.fieldStrings() == ["id", "name"])
        #expect(header.byteOffset == 3)
        #expect(String(decoding: scanner.recordBytes, as: UTF8.self) == "id,name\r\n")
    }

    @Test("nextBlock returns whole records as raw bytes across refills")
    func blocks() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let text = (0..<200).map { "\($0),\"v\r\n\($0)\"\r\n" }.joined()
        let scanner = try CSVScanner(path: try directory.write("b.csv", text), bufferSize: 32)
        scanner.expectedFieldCount = 2
        var bytes: [UInt8] = []
        var records = 0
        while let block = try scanner.nextBlock() {
            bytes += Array(block.bytes)
            records += block.records
        }
        #expect(records == 200)
        #expect(String(decoding: bytes, as: UTF8.self) == text)
    }

    @Test("an unterminated quote at the end of the file names the record and its offset")
    func unterminatedQuote() throws {
        let error = try scanError("a,b\r\n1,2\r\n3,\"open\r\nstill open", bufferSize: 16)
        #expect(error.kind == .unterminatedQuote)
        #expect(error.record == 3)
        #expect(error.byteOffset == 10)
        #expect(error.description.contains("in.csv: record 3 (byte offset 10): unterminated quoted field"))
    }

    @Test("a ragged record names the record, its offset and both field counts")
    func raggedRecord() throws {
        let error = try scanError("a,b\n1,2\n3\n4,5\n", bufferSize: 16, expectedFields: 2)
        #expect(error.kind == .raggedRecord)
        #expect(error.record == 3)
        #expect(error.byteOffset == 8)
        #expect(error.message.contains("has 1 field but the header has 2"))
    }

    @Test("a quote inside an unquoted field and text after a closing quote are rejected")
    func strayQuotes() throws {
        let inner = try scanError("a,b\n1,x\"y\n")
        #expect(inner.kind == .unexpectedQuote)
        #expect(inner.record == 2)
        #expect(inner.byteOffset == 4)
        let after = try scanError("a,b\n\"x\"y,2\n")
        #expect(after.kind == .textAfterClosingQuote)
        #expect(after.record == 2)
    }

    @Test("an empty file has no records; a missing file is a clear error")
    func emptyAndMissing() throws {
        #expect(try scan("").isEmpty)
        #expect(throws: CSVMergeError.self) { try CSVScanner(path: "/nonexistent/dir/x.csv") }
    }
}

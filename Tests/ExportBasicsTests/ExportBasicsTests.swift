import ExportBasics
import Foundation
import Testing

@Suite("ExportBasics: one helper per job")
struct ExportBasicsTests {
    @Test func civilDatesRoundTripAndAgreeWithFoundationAcrossLeapDays() {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        for (year, month, day) in [(1970, 1, 1), (2000, 2, 29), (2024, 2, 29), (2100, 3, 1), (1969, 12, 31)] {
            let days = CivilDate.days(year: year, month: month, day: day)
            let date = calendar.date(from: DateComponents(year: year, month: month, day: day))!
            #expect(Double(days) * 86_400 == date.timeIntervalSince1970)
            let back = CivilDate.fromDays(days)
            #expect(back.year == year && back.month == month && back.day == day)
        }
        #expect(CivilDate.daysInMonth(year: 2024, month: 2) == 29)
        #expect(CivilDate.daysInMonth(year: 2100, month: 2) == 28)
        #expect(floorDiv(-1, 1000) == -1)
        #expect(floorDiv(1999, 1000) == 1)
    }

    @Test func instantsFormatAndParseWithTheirOffset() {
        let instant: Int64 = 1_709_210_096_250  // 2024-02-29T12:34:56.250Z
        #expect(InstantFormat.iso8601(instant, offsetMillis: 0) == "2024-02-29T12:34:56.250+00:00")
        #expect(InstantFormat.iso8601(instant, offsetMillis: 19_800_000) == "2024-02-29T18:04:56.250+05:30")
        #expect(InstantFormat.readable(instant, offsetMillis: -18_000_000) == "2024-02-29 07:34:56 -05:00")
        for text in ["2024-02-29T12:34:56.250Z", "2024-02-29T18:04:56.250+05:30", "2024-02-29T07:34:56.25-05:00"] {
            #expect(InstantFormat.parse(text) == instant, "\(text)")
        }
        #expect(InstantFormat.parse("2023-02-29T00:00:00Z") == nil, "no leap day in 2023")
        #expect(InstantFormat.parse("2024-02-29T12:34:56") == nil, "no offset: ambiguous")
    }

    @Test func hexAndSHA256() throws {
        #expect(Hex.encode([0x00, 0x0f, 0xa0, 0xff]) == "000fa0ff")
        let empty = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        #expect(Hex.sha256([UInt8]()) == empty)
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("ep-hex-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try Data("abc".utf8).write(to: URL(fileURLWithPath: path))
        #expect(
            try Hex.sha256(ofFileAt: path) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(throws: (any Error).self) { try Hex.sha256(ofFileAt: path + ".missing") }
    }

    @Test func jsonStringsEscapeWhatJSONRequiresAndNothingElse() throws {
        let text = "a\"b\\c\nd\re\tf\u{08}g\u{0C}h\u{01}/é👋"
        let quoted = JSONString.quoted(text)
        #expect(quoted == #""a\"b\\c\nd\re\tf\bg\fh\u0001/é👋""#)
        let decoded = try JSONDecoder().decode(String.self, from: Data(quoted.utf8))
        #expect(decoded == text)
        #expect(JSONString.quoted("plain") == "\"plain\"")
    }

    @Test func signalsReachTheHandlerAndStopRestoresTheDefault() async throws {
        let (stream, continuation) = AsyncStream.makeStream(of: Int32.self)
        let handler = SignalHandler([SIGUSR1]) { continuation.yield($0) }
        kill(getpid(), SIGUSR1)
        var iterator = stream.makeAsyncIterator()
        #expect(await iterator.next() == SIGUSR1)
        handler.stop()
    }

    @Test func aKilledWritersTemporaryIsRemovedAndALiveOnesAndOthersAreKept() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "temporary-sibling-\(UUID().uuidString)"
        ).path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        // A pid that certainly ended: a child that has exited and been reaped.
        let child = Process()
        child.executableURL = URL(fileURLWithPath: "/bin/true")
        try child.run()
        child.waitUntilExit()
        let dead = child.processIdentifier
        let names = [
            ".run-summary.json.\(dead).w.tmp",  // a killed writer's: removed
            ".run-summary.json.\(getpid()).w.tmp",  // this (live) process's: kept
            ".run-summary.json.notes.tmp",  // not of the tool's form: kept
            ".report.html.\(dead).w.tmp",  // another file's: kept
            "run-summary.json",
        ]
        for name in names { FileManager.default.createFile(atPath: directory + "/" + name, contents: Data()) }
        let removed = TemporarySibling.removeStale(of: "run-summary.json", in: directory)
        #expect(removed == [".run-summary.json.\(dead).w.tmp"])
        #expect(Set(TemporarySibling.entries(of: directory)) == Set(names.dropFirst()))
        #expect(
            TemporarySibling.path(for: "a.csv", in: "/x", tag: "k") == "/x/.a.csv.\(getpid()).k.tmp")
    }
}

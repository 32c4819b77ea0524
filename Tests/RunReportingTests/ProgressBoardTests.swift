import ExportExecutor
import Foundation
import RunReporting
import Testing

/// The live progress display's lines, without a terminal: every line fits the width it is drawn at (a wrapped
/// line is what left duplicated rows behind on redraw), and jobs waiting, at the server and downloading are shown.
@Suite("progress board")
struct ProgressBoardTests {
    static func board() -> ProgressBoard {
        var board = ProgressBoard(exports: [
            ("incoming-posts-with-a-rather-long-name", 4, 0, 0), ("responses", 6, 2, 58_529),
        ])
        let events: [ProgressEvent] = [
            ProgressEvent(.started, total: 10, done: 2),
            ProgressEvent(.submitted, chunk: "p1", export: "incoming-posts-with-a-rather-long-name", user: "demo"),
            ProgressEvent(.submitted, chunk: "p2", export: "incoming-posts-with-a-rather-long-name", user: "demo"),
            ProgressEvent(.submitted, chunk: "r1", export: "responses", user: "demo"),
            ProgressEvent(.reattached, chunk: "r2", export: "responses", user: "demo"),
            ProgressEvent(.completed, chunk: "p1", export: "incoming-posts-with-a-rather-long-name", user: "demo"),
            ProgressEvent(.verified, chunk: "p1", export: "incoming-posts-with-a-rather-long-name", rows: 47_686),
            ProgressEvent(.completed, chunk: "p2", export: "incoming-posts-with-a-rather-long-name", user: "demo"),
        ]
        for event in events { board.apply(event) }
        return board
    }

    @Test func linesFitEightyAndOneHundredSixtyColumnsAndShowWhereEveryChunkIs() {
        let board = Self.board()
        for width in [80, 160] {
            let lines = board.lines(width: width, elapsed: 75)
            for line in lines { #expect(line.count < width, "\(width): \(line)") }
            #expect(lines[0].contains("1m15s"), "the clock: \(lines[0])")
            #expect(lines[0].contains("3/10 chunks done"))
            #expect(lines.count == 4, "header, two exports, the line about an earlier run's jobs: \(lines)")
            #expect(lines[3].contains("following 1 job(s) an earlier run submitted"))
        }
        let wide = board.lines(width: 160, elapsed: 75)
        #expect(wide[1].hasPrefix("incoming-posts-with-a-rathe…"), "cut to 28 columns: \(wide[1])")
        #expect(wide[1].contains("1/4"))
        #expect(wide[1].contains("waiting 2"), "two chunks not submitted yet: \(wide[1])")
        #expect(wide[1].contains("at server 0"), "\(wide[1])")
        #expect(wide[1].contains("downloading 1"), "\(wide[1])")
        #expect(wide[1].contains("rows 47,686"))
        #expect(wide[2].contains("2/6") && wide[2].contains("at server 2") && wide[2].contains("waiting 2"))
        #expect(wide[2].contains("rows 58,529"), "rows of reused chunks count: \(wide[2])")
        let narrow = board.lines(width: 80, elapsed: 75)
        #expect(narrow[1].contains("wait 2") && narrow[1].contains("dl 1"), "\(narrow[1])")
        #expect(narrow[1].hasPrefix("incoming-posts-with…"), "cut to 20 columns: \(narrow[1])")
    }

    @Test func queuedAndRunningAreToldApartOnceTheServerReportsRunning() {
        var board = Self.board()
        board.apply(ProgressEvent(.running, chunk: "r1", export: "responses", user: "demo"))
        let counts = board.counts("responses")
        #expect(counts.queued == 1 && counts.running == 1)
        let wide = board.lines(width: 160, elapsed: 1)
        #expect(wide[2].contains("at server: 1 queued, 1 running"), "\(wide[2])")
        let narrow = board.lines(width: 80, elapsed: 1)
        #expect(narrow.allSatisfy { $0.count < 80 })
    }

    @Test func aChunkLeavesTheServerOnEveryEndAndTheEarlierRunsJobsLineGoesWhenTheyEnd() {
        var board = Self.board()
        board.apply(ProgressEvent(.rejected, chunk: "r1", export: "responses", user: "demo"))
        board.apply(ProgressEvent(.completed, chunk: "r2", export: "responses", user: "demo"))
        #expect(board.following == 1, "downloading: still this run's to finish")
        board.apply(ProgressEvent(.verified, chunk: "r2", export: "responses", rows: 10))
        #expect(board.following == 0)
        board.apply(ProgressEvent(.split, chunk: "p3", export: "incoming-posts-with-a-rather-long-name"))
        board.apply(ProgressEvent(.failed, chunk: "p2", export: "incoming-posts-with-a-rather-long-name"))
        let all = board.counts()
        #expect(all.total == 11 && all.done == 4 && all.failed == 1)
        #expect(all.queued + all.running + all.downloading == 0)
        #expect(all.waiting == 6)
        #expect(board.lines(width: 80, elapsed: 3).count == 3, "no line about an earlier run's jobs any more")
        let table = board.table()
        #expect(table[2].contains("3/6") && table[2].contains("58,539"), "reused chunks included: \(table[2])")
    }

    @Test func theClockReadsMinutesAndHours() {
        #expect(ProgressBoard.clockText(59.9) == "0m59s")
        #expect(ProgressBoard.clockText(3_725) == "1h02m")
    }

    @Test func aWindowExportedAgainIsTakenOffDoneOnlyWhenItWasCountedDone() {
        // 3 chunks: k1 and k2 kept from earlier runs (done from the start); u1 verified within run.settle and cut
        // as before, so the plan did not keep it and it was never counted done.
        var board = ProgressBoard(exports: [("responses", 3, 2, 100)], kept: ["k1", "k2"])
        board.apply(ProgressEvent(.replanned, chunk: "u1", export: "responses", message: "within run.settle"))
        #expect(board.counts("responses").done == 2, "u1 was not done: nothing to take off")
        board.apply(ProgressEvent(.replanned, chunk: "k2", export: "responses", message: "its file changed"))
        board.apply(ProgressEvent(.replanned, chunk: "k2", export: "responses", message: "its file changed"))
        #expect(board.counts("responses").done == 1, "k2 was done, and is taken off once")
        for chunk in ["u1", "k2"] {
            board.apply(ProgressEvent(.submitted, chunk: chunk, export: "responses", user: "demo"))
            board.apply(ProgressEvent(.completed, chunk: chunk, export: "responses", user: "demo"))
            board.apply(ProgressEvent(.verified, chunk: chunk, export: "responses", rows: 5))
        }
        #expect(board.table()[1].contains("3/3"), "the end-of-run table: \(board.table())")
    }

    @Test func atEightyColumnsTheRowsStayVisibleAndTheHeaderSaysWhenOutputsAreWritten() {
        var board = ProgressBoard(exports: [("closed-conversations", 3, 2, 100_000), ("responses", 3, 3, 144_187)])
        board.apply(ProgressEvent(.running, chunk: "c3", export: "closed-conversations", user: "demo"))
        for line in board.lines(width: 80, elapsed: 70) {
            #expect(line.count < 80 && !line.hasSuffix("…"), "nothing cut at 80 columns: \(line)")
        }
        #expect(board.lines(width: 80, elapsed: 70)[2].hasSuffix("144.2k rows"))
        #expect(!board.lines(width: 80, elapsed: 70)[0].contains("writing the outputs"))
        board.apply(ProgressEvent(.submitted, chunk: "c3", export: "closed-conversations", user: "demo"))
        board.apply(ProgressEvent(.verified, chunk: "c3", export: "closed-conversations", rows: 5))
        #expect(board.lines(width: 80, elapsed: 71)[0].contains("6/6 chunks done · writing the outputs"))
    }
}

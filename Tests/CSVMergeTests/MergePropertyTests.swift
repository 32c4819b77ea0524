import ExportTestSupport
import Foundation
import Testing

@testable import CSVMerge

/// Property tests: random tables split into chunks in the ways an export run splits them must merge back into
/// exactly the original bytes. Fixed seeds, so a failure replays; small read buffers force records across refills.
@Suite("Merge properties")
struct MergePropertyTests {
    static let seeds: [UInt64] = Array(1...40)
    static let sortKey = ["event_time", "record_id"]

    private func merge(
        _ chunks: [[UInt8]], options: MergeOptions, in directory: TemporaryDirectory, windows: [TimeWindow?]? = nil
    ) throws -> (bytes: [UInt8], result: MergeResult) {
        var inputs: [MergeInput] = []
        for (index, chunk) in chunks.enumerated() {
            let path = try directory.write("chunk-\(index).csv", chunk)
            inputs.append(MergeInput(path: path, window: windows?[index]))
        }
        let result = try CSVMerger(options: options).merge(inputs, into: directory.file("out.csv"))
        return (try directory.read("out.csv"), result)
    }

    private func bufferSize(_ random: inout SeededGenerator) -> Int {
        [16, 31, 97, 4096, CSVScanner.defaultBufferSize].randomElement(using: &random) ?? 16
    }

    /// Cut points splitting `count` rows into `parts` contiguous runs (some may be empty).
    private func cuts(_ count: Int, parts: Int, _ random: inout SeededGenerator) -> [Range<Int>] {
        let points = ((0..<(parts - 1)).map { _ in Int.random(in: 0...count, using: &random) } + [0, count]).sorted()
        return zip(points, points.dropFirst()).map { $0..<$1 }
    }

    @Test("concatenating chunks split at random record boundaries gives the original bytes", arguments: seeds)
    func concatenation(seed: UInt64) throws {
        var random = SeededGenerator(seed: seed)
        let table = RandomTable(using: &random, rowCount: Int.random(in: 0...120, using: &random))
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let ranges = cuts(table.rows.count, parts: Int.random(in: 1...6, using: &random), &random)
        // Windows given in shuffled order: concatenation must put chunks back in window order.
        var order = Array(ranges.indices)
        order.shuffle(using: &random)
        let chunks = order.map {
            table.file(rows: Array(ranges[$0]), lastIsFinal: ranges[$0].last == table.rows.count - 1)
        }
        let windows = order.map { Optional(TimeWindow(startMs: Int64($0) * 1000, endMs: Int64($0 + 1) * 1000)) }
        let options = MergeOptions(mode: .concatenate, readBufferSize: bufferSize(&random))
        let (bytes, result) = try merge(chunks, options: options, in: directory, windows: windows)
        #expect(bytes == table.original, "seed \(seed)")
        #expect(result.rows == table.rows.count)
        #expect(result.bytes == Int64(table.original.count))
        #expect(result.inputs.map(\.rows) == order.map { ranges[$0].count })
    }

    @Test("a k-way merge of fan-out chunks (rows dealt among k chunks) gives the original bytes", arguments: seeds)
    func kWayMerge(seed: UInt64) throws {
        var random = SeededGenerator(seed: seed)
        let table = RandomTable(using: &random, rowCount: Int.random(in: 0...150, using: &random))
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let k = Int.random(in: 1...7, using: &random)
        var assignment = Array(repeating: [Int](), count: k)
        for row in table.rows.indices { assignment[Int.random(in: 0..<k, using: &random)].append(row) }
        let chunks = assignment.map { table.file(rows: $0, lastIsFinal: $0.last == table.rows.count - 1) }
        let options = MergeOptions(mode: .sorted(by: Self.sortKey), readBufferSize: bufferSize(&random))
        let (bytes, result) = try merge(chunks, options: options, in: directory)
        #expect(bytes == table.original, "seed \(seed)")
        #expect(result.rows == table.rows.count)
        #expect(result.duplicatesDropped == 0)
    }

    @Test("boundary rows repeated in the next chunk (inclusive end time) are dropped", arguments: seeds)
    func concatenationDedupe(seed: UInt64) throws {
        var random = SeededGenerator(seed: seed)
        let table = RandomTable(using: &random, rowCount: Int.random(in: 1...120, using: &random))
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let ranges = cuts(table.rows.count, parts: Int.random(in: 1...6, using: &random), &random)
        var chunks: [[UInt8]] = []
        var repeated = 0
        var previousRows: [Int] = []
        for range in ranges {
            // The rows of the previous chunk at its last instant are in this chunk too.
            let boundary =
                previousRows.last.map { last in previousRows.filter { table.instants[$0] == table.instants[last] } }
                ?? []
            repeated += boundary.count
            let rows = boundary + Array(range)
            chunks.append(table.file(rows: rows, lastIsFinal: rows.last == table.rows.count - 1))
            previousRows = rows.isEmpty ? previousRows : rows
        }
        let options = MergeOptions(
            mode: .concatenate,
            deduplication: .init(keyColumns: ["record_id"], groupColumn: "event_time"),
            readBufferSize: bufferSize(&random))
        let (bytes, result) = try merge(chunks, options: options, in: directory)
        #expect(bytes == table.original, "seed \(seed)")
        #expect(result.duplicatesDropped == repeated)
        #expect(result.rows == table.rows.count)
    }

    @Test("fan-out chunks sharing rows, k-way merged with dedupe, give the original bytes", arguments: seeds)
    func kWayDedupe(seed: UInt64) throws {
        var random = SeededGenerator(seed: seed)
        let table = RandomTable(using: &random, rowCount: Int.random(in: 1...150, using: &random))
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let k = Int.random(in: 2...6, using: &random)
        var assignment = Array(repeating: [Int](), count: k)
        var copies = 0
        for row in table.rows.indices {
            var chunks = Set([Int.random(in: 0..<k, using: &random)])
            if Int.random(in: 0..<4, using: &random) == 0 { chunks.insert(Int.random(in: 0..<k, using: &random)) }
            copies += chunks.count - 1
            for chunk in chunks { assignment[chunk].append(row) }
        }
        let chunks = assignment.map { table.file(rows: $0, lastIsFinal: $0.last == table.rows.count - 1) }
        let options = MergeOptions(
            mode: .sorted(by: Self.sortKey), deduplication: .init(keyColumns: ["record_id"]),
            readBufferSize: bufferSize(&random))
        let (bytes, result) = try merge(chunks, options: options, in: directory)
        #expect(bytes == table.original, "seed \(seed)")
        #expect(result.duplicatesDropped == copies)
    }

    @Test("chunks with their columns in another order are rewritten into the first file's order", arguments: seeds)
    func reorderedColumns(seed: UInt64) throws {
        var random = SeededGenerator(seed: seed)
        let table = RandomTable(using: &random, rowCount: Int.random(in: 0...80, using: &random))
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let ranges = cuts(table.rows.count, parts: Int.random(in: 2...5, using: &random), &random)
        let chunks = ranges.enumerated().map { index, range in
            let order = index == 0 ? nil : Array(RandomTable.columns.indices).shuffled(using: &random)
            return table.file(rows: Array(range), columnOrder: order, lastIsFinal: range.last == table.rows.count - 1)
        }
        let sorted = Bool.random(using: &random)
        let options = MergeOptions(
            mode: sorted ? .sorted(by: Self.sortKey) : .concatenate, readBufferSize: bufferSize(&random))
        let (bytes, _) = try merge(chunks, options: options, in: directory)
        #expect(bytes == table.original, "seed \(seed)")
    }
}

import ExportTestSupport
import Foundation

/// A fresh directory under the system's temporary directory, removed by `remove()`.
struct TemporaryDirectory {
    let path: String

    init() throws {
        path = NSTemporaryDirectory() + "csvmerge-tests-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    func file(_ name: String) -> String { path + "/" + name }

    @discardableResult
    func write(_ name: String, _ bytes: [UInt8]) throws -> String {
        let target = file(name)
        try Data(bytes).write(to: URL(fileURLWithPath: target))
        return target
    }

    @discardableResult
    func write(_ name: String, _ text: String) throws -> String {
        try write(name, Array(text.utf8))
    }

    func read(_ name: String) throws -> [UInt8] {
        Array(try Data(contentsOf: URL(fileURLWithPath: file(name))))
    }

    func contents() throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: path).sorted()
    }

    func remove() {
        try? FileManager.default.removeItem(atPath: path)
    }
}

/// A random CSV table sorted by (time instant, numeric id), with fields that exercise quoting: commas, doubled
/// quotes, CR/LF inside quotes, unicode; each row is kept as its raw fields so tests can re-serialize it.
struct RandomTable {
    static let columns = ["event_time", "record_id", "team", "text", "note"]

    var byteOrderMark: Bool
    var lineEnding: String
    var finalLineEnding: Bool
    /// Raw (already quoted when needed) fields of each data row.
    var rows: [[String]]
    /// Each row's instant, for tests that group rows by time.
    var instants: [Int64]

    init(using random: inout SeededGenerator, rowCount: Int) {
        byteOrderMark = Int.random(in: 0..<4, using: &random) == 0
        lineEnding = Bool.random(using: &random) ? "\r\n" : "\n"
        finalLineEnding = Int.random(in: 0..<5, using: &random) != 0
        var keyed: [(Int64, UInt64, [String])] = []
        var instant: Int64 = 1_741_500_000_000 + Int64.random(in: 0..<1_000_000, using: &random)
        var usedIds: Set<UInt64> = []
        for _ in 0..<rowCount {
            // Few distinct instants, so ties on time (ordered by id) and boundary duplicates are common.
            if Int.random(in: 0..<3, using: &random) == 0 { instant += Int64.random(in: 1...5_000_000, using: &random) }
            var id = UInt64.random(in: 0..<(Bool.random(using: &random) ? 1000 : UInt64(1) << 62), using: &random)
            while !usedIds.insert(id).inserted { id &+= 1 }
            let fields = [
                Self.timestamp(instant, using: &random), String(id), Self.quoteIfNeeded(Self.word(using: &random)),
                Self.quoteIfNeeded(Self.text(using: &random), force: Bool.random(using: &random)),
                Self.quoteIfNeeded(Self.text(using: &random)),
            ]
            keyed.append((instant, id, fields))
        }
        keyed.sort { ($0.0, $0.1) < ($1.0, $1.1) }
        rows = keyed.map(\.2)
        instants = keyed.map(\.0)
    }

    var header: String { Self.columns.joined(separator: ",") }

    /// The bytes of a file holding `rows` (indexes into `self.rows`), with the header and optional BOM.
    func file(rows selection: [Int], columnOrder: [Int]? = nil, lastIsFinal: Bool = false) -> [UInt8] {
        let order = columnOrder ?? Array(Self.columns.indices)
        var text = order.map { Self.columns[$0] }.joined(separator: ",") + lineEnding
        for (position, row) in selection.enumerated() {
            text += order.map { rows[row][$0] }.joined(separator: ",")
            if !(lastIsFinal && position == selection.count - 1 && !finalLineEnding) { text += lineEnding }
        }
        return (byteOrderMark ? [0xEF, 0xBB, 0xBF] : []) + Array(text.utf8)
    }

    /// The whole table as one file.
    var original: [UInt8] { file(rows: Array(rows.indices), lastIsFinal: true) }

    private static func timestamp(_ milliseconds: Int64, using random: inout SeededGenerator) -> String {
        let offsets = [0, -4 * 60, 5 * 60 + 30, 9 * 60, -11 * 60]
        let offset = offsets.randomElement(using: &random) ?? 0
        let local = Date(timeIntervalSince1970: Double(milliseconds + Int64(offset) * 60_000) / 1000)
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC") ?? calendar.timeZone
        let parts = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: local)
        let millis = Int(((milliseconds % 1000) + 1000) % 1000)
        let base = String(
            format: "%04d-%02d-%02dT%02d:%02d:%02d", parts.year ?? 0, parts.month ?? 0, parts.day ?? 0,
            parts.hour ?? 0, parts.minute ?? 0, parts.second ?? 0)
        let zone =
            offset == 0
            ? "Z" : String(format: "%@%02d:%02d", offset < 0 ? "-" : "+", abs(offset) / 60, abs(offset) % 60)
        return base + String(format: ".%03d", millis) + zone
    }

    private static func word(using random: inout SeededGenerator) -> String {
        ["Support", "Billing", "Équipe Nord", "日本チーム", "Team, West", "VIP \"gold\""].randomElement(using: &random)
            ?? ""
    }

    private static func text(using random: inout SeededGenerator) -> String {
        let pieces = [
            "hello", "a,b", "say \"hi\"", "line\nbreak", "crlf\r\nbreak", "é", "🙂", " ", "", "x", "naïve",
            "\"", ",", "\r\n", "long text with spaces",
        ]
        return (0..<Int.random(in: 0...4, using: &random)).map { _ in pieces.randomElement(using: &random) ?? "" }
            .joined()
    }

    private static func quoteIfNeeded(_ value: String, force: Bool = false) -> String {
        let needs = value.contains { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" || $0 == "\r\n" }
        guard needs || force else { return value }
        return "\"" + value.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}

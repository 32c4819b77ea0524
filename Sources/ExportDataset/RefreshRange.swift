import ExportBasics
import Foundation

/// `exportpipe run --refresh FROM..TO`: the local dates whose partitions are exported again on purpose (after a
/// vendor's data fix), settled or not. Both ends are included; a month (`2026-11`) stands for its first day at the
/// start and its last day at the end, and one date alone (`2026-11-20`) is a range of one day.
public struct RefreshRange: Sendable, Hashable, CustomStringConvertible {
    /// Days since 1970-01-01 of the first and last local dates.
    public var firstDay: Int64
    public var lastDay: Int64

    public init(firstDay: Int64, lastDay: Int64) {
        self.firstDay = firstDay
        self.lastDay = lastDay
    }

    /// Parses `2026-11-01..2026-11-05`, `2026-11..2026-12`, `2026-11-20` or `2026-11`.
    /// - Throws: `RefreshRangeError` saying what is wrong and how to write it.
    public init(parsing text: String) throws {
        let sides = text.components(separatedBy: "..")
        guard sides.count <= 2, let first = sides.first else { throw RefreshRangeError(text) }
        let last = sides.count == 2 ? sides[1] : first
        guard let start = Self.day(first, end: false), let end = Self.day(last, end: true) else {
            throw RefreshRangeError(text)
        }
        guard start <= end else {
            throw RefreshRangeError(text, reason: "'\(first)' is after '\(last)'")
        }
        self.init(firstDay: start, lastDay: end)
    }

    /// Whether the range shares a day with `key`'s partition.
    public func overlaps(_ key: PartitionKey) -> Bool { key.firstDay <= lastDay && key.lastDay >= firstDay }

    public var description: String {
        func text(_ day: Int64) -> String {
            let date = CivilDate.fromDays(day)
            return
                "\(InstantFormat.pad(date.year, 4))-\(InstantFormat.pad(date.month, 2))-\(InstantFormat.pad(date.day, 2))"
        }
        return text(firstDay) + ".." + text(lastDay)
    }

    private static func day(_ text: String, end: Bool) -> Int64? {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        if let day = PartitionKey(parsing: trimmed, grain: .day) { return day.firstDay }
        guard let month = PartitionKey(parsing: trimmed, grain: .month) else { return nil }
        return end ? month.lastDay : month.firstDay
    }
}

/// A `--refresh` value that is not a range of dates.
public struct RefreshRangeError: Error, CustomStringConvertible, Sendable, Equatable {
    public var description: String

    init(_ text: String, reason: String? = nil) {
        description =
            "--refresh '\(text)' is not a range of dates"
            + (reason.map { ": \($0)" } ?? "")
            + "; write FROM..TO with local dates or months, e.g. 2026-11-01..2026-11-05 or 2026-10..2026-11"
    }
}

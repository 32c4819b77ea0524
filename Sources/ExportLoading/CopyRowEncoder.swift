import AnalyticsAPI
import CSVMerge
import ExportBasics
import NIOCore

/// Writes CSV records as rows of PostgreSQL's COPY text format, one field at a time, without a `String` per value.
///
/// Per column type: text is unquoted (`""` → `"`) and escaped for COPY (`\`, tab, LF, CR); an unquoted empty field
/// is NULL and a quoted one (`""`) the empty string, as `COPY … CSV` reads them; whole numbers and decimals are
/// checked, empty is NULL; times are read by `TimeValueReader` (every form the merge reads, local times in the
/// partition's zone) and written as UTC instants. The partition's first day ends every row. A value that does not
/// fit its column throws `WarehouseError` (`.value`) naming the partition, column, line and value.
struct CopyRowEncoder {
    private let columns: [TableColumn]
    private var readers: [TimeValueReader?]
    private let rowEnd: [UInt8]
    private let decimalComma: Bool
    private let partition: String

    init(columns: [TableColumn], partition: LoadablePartition, delimiter: UInt8) {
        self.columns = columns
        readers = columns.map { column in
            column.type == .time ? TimeValueReader(partition.timeReading, dateOrder: partition.dateOrder) : nil
        }
        rowEnd = Array("\t\(partition.firstDayText)\n".utf8)
        decimalComma = delimiter != UInt8(ascii: ",")
        self.partition = partition.label
    }

    /// Appends the scanner's current record (`line` is its 1-based record number, the header being 1).
    mutating func encode(_ scanner: CSVScanner, line: Int, into buffer: inout ByteBuffer) throws {
        for index in columns.indices {
            if index > 0 { buffer.writeInteger(UInt8(ascii: "\t")) }
            let raw = scanner.rawField(index)
            let quoted = raw.count >= 2 && raw[0] == Self.quote
            let content = quoted ? UnsafeRawBufferPointer(rebasing: raw[1..<(raw.count - 1)]) : raw
            switch columns[index].type {
            case .text:
                if content.isEmpty && !quoted {
                    buffer.writeBytes(Self.null)
                } else {
                    Self.writeText(content, unquoting: quoted, into: &buffer)
                }
            case .integer:
                if content.isEmpty {
                    buffer.writeBytes(Self.null)
                } else {
                    guard Self.isInteger(content) else {
                        throw mismatch(index, line, content, "is not a whole number")
                    }
                    buffer.writeBytes(content)
                }
            case .decimal:
                if content.isEmpty {
                    buffer.writeBytes(Self.null)
                } else if !writeDecimal(content, into: &buffer) {
                    throw mismatch(index, line, content, "is not a decimal number")
                }
            case .time:
                if content.isEmpty {
                    buffer.writeBytes(Self.null)
                } else {
                    guard let instant = readers[index]!.instant(content), Self.writeInstant(instant, into: &buffer)
                    else {
                        throw mismatch(
                            index, line, content,
                            "is not a time in any form the merge reads (ISO 8601, local date and time, epoch, "
                                + "regional)")
                    }
                }
            }
        }
        buffer.writeBytes(rowEnd)
    }

    private func mismatch(_ column: Int, _ line: Int, _ value: UnsafeRawBufferPointer, _ problem: String)
        -> WarehouseError
    {
        var text = String(decoding: value.prefix(80), as: UTF8.self)
        if value.count > 80 { text += "…" }
        let name = columns[column].name
        return WarehouseError(
            .value,
            "partition \(partition): column \(name), line \(line): value \"\(text)\" \(problem) (the column is "
                + "\(columns[column].sqlType)); the table keeps the partition's previous rows: correct the file, or "
                + "change the column's type (ALTER TABLE … ALTER COLUMN \(name) TYPE text), then load again")
    }

    // MARK: - Fields

    private static let quote = UInt8(ascii: "\"")
    private static let backslash = UInt8(ascii: "\\")
    private static let null: [UInt8] = Array("\\N".utf8)

    /// Text, with `""` made `"` when the field was quoted, and COPY's special bytes escaped.
    @inline(__always)
    private static func writeText(_ bytes: UnsafeRawBufferPointer, unquoting: Bool, into buffer: inout ByteBuffer) {
        var start = 0
        var index = 0
        let count = bytes.count
        while index < count {
            let byte = bytes[index]
            // Every byte that needs care is below 0x5D (']'): most bytes are rejected by one comparison.
            if byte > backslash || (byte != backslash && byte != 0x09 && byte != 0x0A && byte != 0x0D && byte != quote)
            {
                index += 1
                continue
            }
            if byte == quote {
                if unquoting {
                    // A doubled quote: keep the first, skip the second.
                    buffer.writeBytes(UnsafeRawBufferPointer(rebasing: bytes[start..<(index + 1)]))
                    index += 2
                    start = index
                } else {
                    index += 1
                }
                continue
            }
            buffer.writeBytes(UnsafeRawBufferPointer(rebasing: bytes[start..<index]))
            switch byte {
            case 0x09: buffer.writeStaticString("\\t")
            case 0x0A: buffer.writeStaticString("\\n")
            case 0x0D: buffer.writeStaticString("\\r")
            default: buffer.writeStaticString("\\\\")
            }
            index += 1
            start = index
        }
        if start < count { buffer.writeBytes(UnsafeRawBufferPointer(rebasing: bytes[start..<count])) }
    }

    /// An optional sign and 1–18 digits (always inside `bigint`), or 19 digits within its range.
    @inline(__always)
    static func isInteger(_ bytes: UnsafeRawBufferPointer) -> Bool {
        var index = 0
        if bytes[0] == UInt8(ascii: "-") || bytes[0] == UInt8(ascii: "+") { index = 1 }
        let digits = bytes.count - index
        guard digits >= 1 && digits <= 19 else { return false }
        for position in index..<bytes.count where bytes[position] &- 0x30 > 9 { return false }
        if digits == 19 {
            let text = String(decoding: bytes, as: UTF8.self)
            return Int64(text) != nil
        }
        return true
    }

    /// An optional sign, digits and a fraction after `.` (or `,` when the file's delimiter is not a comma).
    private func writeDecimal(_ bytes: UnsafeRawBufferPointer, into buffer: inout ByteBuffer) -> Bool {
        var index = 0
        if bytes[0] == UInt8(ascii: "-") || bytes[0] == UInt8(ascii: "+") { index = 1 }
        var digits = 0
        var separator: Int?
        while index < bytes.count {
            let byte = bytes[index]
            if byte &- 0x30 <= 9 {
                digits += 1
            } else if separator == nil && (byte == UInt8(ascii: ".") || (decimalComma && byte == UInt8(ascii: ","))) {
                separator = index
            } else {
                return false
            }
            index += 1
        }
        guard digits > 0 else { return false }
        if let separator, bytes[separator] == UInt8(ascii: ",") {
            buffer.writeBytes(UnsafeRawBufferPointer(rebasing: bytes[0..<separator]))
            buffer.writeInteger(UInt8(ascii: "."))
            buffer.writeBytes(UnsafeRawBufferPointer(rebasing: bytes[(separator + 1)...]))
        } else {
            buffer.writeBytes(bytes)
        }
        return true
    }

    /// `YYYY-MM-DD HH:MM:SS.fff+00`; false for years outside 1–9999.
    @inline(__always)
    static func writeInstant(_ millis: Int64, into buffer: inout ByteBuffer) -> Bool {
        let days = floorDiv(millis, CivilDate.millisPerDay)
        let date = CivilDate.fromDays(days)
        guard date.year >= 1 && date.year <= 9999 else { return false }
        var rest = millis - days * CivilDate.millisPerDay
        let hour = Int(rest / 3_600_000)
        rest -= Int64(hour) * 3_600_000
        let minute = Int(rest / 60_000)
        rest -= Int64(minute) * 60_000
        let second = Int(rest / 1000)
        let milli = Int(rest - Int64(second) * 1000)
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 26) { out in
            func put(_ value: Int, _ width: Int, at offset: Int) {
                var value = value
                for position in stride(from: offset + width - 1, through: offset, by: -1) {
                    out[position] = UInt8(0x30 + value % 10)
                    value /= 10
                }
            }
            put(date.year, 4, at: 0)
            out[4] = UInt8(ascii: "-")
            put(date.month, 2, at: 5)
            out[7] = UInt8(ascii: "-")
            put(date.day, 2, at: 8)
            out[10] = UInt8(ascii: " ")
            put(hour, 2, at: 11)
            out[13] = UInt8(ascii: ":")
            put(minute, 2, at: 14)
            out[16] = UInt8(ascii: ":")
            put(second, 2, at: 17)
            out[19] = UInt8(ascii: ".")
            put(milli, 3, at: 20)
            out[23] = UInt8(ascii: "+")
            out[24] = UInt8(ascii: "0")
            out[25] = UInt8(ascii: "0")
            buffer.writeBytes(UnsafeRawBufferPointer(out))
        }
        return true
    }
}

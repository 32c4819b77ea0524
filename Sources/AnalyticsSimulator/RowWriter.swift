import AnalyticsAPI
import ExportBasics

/// Renders rows as CSV (RFC 4180, CRLF, with the given delimiter) or as a JSON array of string-valued objects.
struct RowWriter {
    let format: ReportFormat
    let columns: [String]
    let delimiter: UInt8
    private(set) var bytes: [UInt8] = []
    private var rows = 0

    init(format: ReportFormat, columns: [String], delimiter: UInt8 = UInt8(ascii: ",")) {
        self.format = format
        self.columns = columns
        self.delimiter = delimiter
        switch format {
        case .csv:
            for (index, column) in columns.enumerated() {
                if index > 0 { bytes.append(delimiter) }
                appendCSV(column)
            }
            bytes.append(contentsOf: [13, 10])
        case .json:
            bytes.append(UInt8(ascii: "["))
        }
    }

    mutating func write(
        _ cells: [ExportDataGenerator.Cell], indices: [Int], formatter: inout TimestampFormatter
    ) {
        switch format {
        case .csv:
            for (position, index) in indices.enumerated() {
                if position > 0 { bytes.append(delimiter) }
                appendCSV(Self.string(cells[index], &formatter))
            }
            bytes.append(contentsOf: [13, 10])
        case .json:
            if rows > 0 { bytes.append(UInt8(ascii: ",")) }
            bytes.append(UInt8(ascii: "{"))
            for (position, index) in indices.enumerated() {
                if position > 0 { bytes.append(UInt8(ascii: ",")) }
                appendJSON(columns[position])
                bytes.append(UInt8(ascii: ":"))
                appendJSON(Self.string(cells[index], &formatter))
            }
            bytes.append(UInt8(ascii: "}"))
        }
        rows += 1
    }

    consuming func finish() -> [UInt8] {
        if format == .json { bytes.append(UInt8(ascii: "]")) }
        return bytes
    }

    static func string(_ cell: ExportDataGenerator.Cell, _ formatter: inout TimestampFormatter) -> String {
        switch cell {
        case .text(let s): s
        case .int(let i): String(i)
        case .time(let t): formatter.format(t)
        case .empty: ""
        }
    }

    private mutating func appendCSV(_ value: String) {
        let utf8 = value.utf8
        let needsQuotes = utf8.contains {
            $0 == delimiter || $0 == UInt8(ascii: "\"") || $0 == 10 || $0 == 13
        }
        guard needsQuotes else {
            bytes.append(contentsOf: utf8)
            return
        }
        bytes.append(UInt8(ascii: "\""))
        for byte in utf8 {
            if byte == UInt8(ascii: "\"") { bytes.append(byte) }
            bytes.append(byte)
        }
        bytes.append(UInt8(ascii: "\""))
    }

    private mutating func appendJSON(_ value: String) { JSONString.append(value, to: &bytes) }
}

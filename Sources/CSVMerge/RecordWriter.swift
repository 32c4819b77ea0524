/// Writes records to the output, adding the file's line ending after a record that lacked one (the last record
/// of a chunk without a final newline) whenever another record follows it.
struct RecordWriter {
    let file: AtomicOutputFile
    let lineEnding: [UInt8]
    private var pendingLineEnding = false

    init(file: AtomicOutputFile, lineEnding: [UInt8]) {
        self.file = file
        self.lineEnding = lineEnding
    }

    /// Writes one record (or a run of records) as raw bytes.
    mutating func write(record bytes: UnsafeRawBufferPointer, hasLineEnding: Bool) throws {
        if pendingLineEnding { try file.write(lineEnding) }
        try file.write(bytes)
        pendingLineEnding = !hasLineEnding
    }

    mutating func write(record bytes: [UInt8], hasLineEnding: Bool) throws {
        try bytes.withUnsafeBytes { try write(record: $0, hasLineEnding: hasLineEnding) }
    }

    /// Writes the current record of `cursor`, rewritten into the output's column order when its file differs.
    mutating func writeCurrent(of cursor: InputCursor) throws {
        let scanner = cursor.scanner
        guard let mapping = cursor.mapping, let record = scanner.current else {
            try write(record: scanner.recordBytes, hasLineEnding: scanner.current?.hasLineEnding ?? true)
            return
        }
        if pendingLineEnding { try file.write(lineEnding) }
        // Raw fields keep their quoting, which is already RFC 4180 correct for the same value in any position.
        for (position, field) in mapping.enumerated() {
            if position > 0 { try file.write(byte: scanner.delimiter) }
            try file.write(scanner.rawField(field))
        }
        try file.write(scanner.lineEnding)
        pendingLineEnding = !record.hasLineEnding
    }
}

import Foundation

/// A byte-level streaming RFC 4180 scanner over one file, reading through a fixed-size buffer.
///
/// It finds record boundaries and field ranges without building a `String` per field: quoted fields may hold
/// commas, doubled quotes and CR/LF line breaks; records end with LF or CRLF, and each record's bytes (line ending
/// included) are available exactly as in the file. A leading UTF-8 byte order mark is skipped and reported in
/// `hasByteOrderMark`. The field delimiter is the comma unless the header line has none and has semicolons or tabs
/// (as spreadsheet-style exports in locales with a decimal comma write): `delimiter` says which. Memory stays at
/// the buffer size whatever the file size; a single record larger than the buffer grows it (up to
/// `maxRecordSize`), so memory is bounded by the largest record, never by the file.
///
/// Strictness, chosen so that a merge never silently produces a different file: a quote inside an unquoted field,
/// text after a closing quote, an unterminated quote at the end of the file and a record whose field count differs
/// from `expectedFieldCount` are errors naming the file, the 1-based record number and the byte offset.
public final class CSVScanner {
    /// The default read buffer: large enough that reads are near disk speed, small enough to stay constant.
    public static let defaultBufferSize = 256 * 1024
    /// The largest single record accepted (a buffer grows to hold it); larger means the file is not CSV.
    public static let defaultMaxRecordSize = 64 * 1024 * 1024

    /// The file's path, as given (used in errors).
    public let path: String
    /// Whether the file starts with a UTF-8 byte order mark (`EF BB BF`), which is not part of the header.
    public private(set) var hasByteOrderMark = false
    /// The byte between fields: `,`, or `;` or a tab when the header line has no comma and one of those.
    public private(set) var delimiter = Byte.comma
    /// The number of records returned so far (the header counts as record 1).
    public private(set) var recordsRead = 0
    /// The field count every record must have (usually the header's); `nil` accepts any count.
    public var expectedFieldCount: Int?
    /// How many leading fields of each record `next()` records ranges for (the rest are only counted).
    public var fieldRangeLimit: Int

    private var fd: Int32
    private var buffer: UnsafeMutableRawPointer
    private var capacity: Int
    private let maxRecordSize: Int
    private var head = 0
    private var tail = 0
    private var atEOF = false
    private var started = false
    private var bufferOrigin: Int64 = 0
    private var recordStart = 0
    private var bounds: UnsafeMutablePointer<Int>
    private var boundsCapacity: Int
    // Outputs of `scanRecord`, kept in properties so the hot loop returns one Int.
    private var scannedContentEnd = 0
    private var scannedFieldCount = 0
    // The current record's fields with recorded ranges (0 when there is no current record); private so that
    // field reads in the merge loop need no dynamic exclusivity check.
    private var currentFieldRanges = 0
    // The delimiter repeated in each byte of a word (for the SWAR test), and the largest byte that can end an
    // unquoted field (so that most bytes are rejected by one comparison).
    private var delimiterWord = Byte.ones &* UInt64(Byte.comma)
    private var largestSpecialByte = Byte.comma

    /// The record returned by the last `next()`.
    public private(set) var current: CSVRecord?

    /// Prepares to scan `path`; the file is opened and the buffer allocated at the first read, so a merge of many
    /// chunks holds buffers and descriptors only for the files it is reading.
    /// - Throws: `CSVMergeError` (`.cannotOpen`) when the file does not exist or is not readable.
    public init(
        path: String, bufferSize: Int = CSVScanner.defaultBufferSize,
        maxRecordSize: Int = CSVScanner.defaultMaxRecordSize, fieldRangeLimit: Int = Int.max
    ) throws {
        self.path = path
        guard access(path, R_OK) == 0 else { throw Self.openError(path) }
        fd = -1
        capacity = max(bufferSize, 16)
        self.maxRecordSize = max(maxRecordSize, capacity)
        buffer = UnsafeMutableRawPointer.allocate(byteCount: 16, alignment: 16)
        boundsCapacity = 64
        bounds = UnsafeMutablePointer<Int>.allocate(capacity: boundsCapacity * 2)
        self.fieldRangeLimit = fieldRangeLimit
    }

    deinit {
        if fd >= 0 { close(fd) }
        buffer.deallocate()
        bounds.deallocate()
    }

    /// Closes the file and frees the buffer; `next()` returns `nil` from now on.
    public func closeFile() {
        if fd >= 0 { close(fd) }
        fd = -1
        started = true
        atEOF = true
        head = 0
        tail = 0
        current = nil
        currentFieldRanges = 0
        buffer.deallocate()
        buffer = UnsafeMutableRawPointer.allocate(byteCount: 16, alignment: 16)
        capacity = 16
    }

    private static func openError(_ path: String) -> CSVMergeError {
        let reason = String(cString: strerror(errno))
        return CSVMergeError(
            kind: .cannotOpen, file: path, message: "cannot open for reading: \(reason); check the path.")
    }

    // MARK: - Records

    /// Advances to the next record and returns it, or `nil` at the end of the file.
    /// - Throws: `CSVMergeError` for malformed CSV or a read error.
    public func next() throws -> CSVRecord? {
        try startIfNeeded()
        while true {
            if head == tail {
                if atEOF { return nil }
                try fill()
                continue
            }
            let end = try scanRecord(at: head, storeFields: true)
            if end >= 0 {
                let record = CSVRecord(
                    number: recordsRead + 1, byteOffset: bufferOrigin + Int64(head),
                    fieldCount: scannedFieldCount, length: end - head, contentLength: scannedContentEnd - head)
                try checkFieldCount(record.fieldCount, record: record.number, at: head)
                recordStart = head
                head = end
                recordsRead += 1
                current = record
                currentFieldRanges = min(record.fieldCount, fieldRangeLimit)
                return record
            }
            try fill()
        }
    }

    /// Returns the next run of complete records as raw bytes (at least one), or `nil` at the end of the file.
    ///
    /// Field ranges are not recorded; each record is still validated (quotes, field count).
    /// - Throws: `CSVMergeError` for malformed CSV or a read error.
    public func nextBlock() throws -> RecordBlock? {
        try startIfNeeded()
        current = nil
        currentFieldRanges = 0
        while true {
            if head == tail {
                if atEOF { return nil }
                try fill()
                continue
            }
            var position = head
            var count = 0
            while position < tail {
                let end = try scanRecord(at: position, storeFields: false)
                if end < 0 { break }
                try checkFieldCount(scannedFieldCount, record: recordsRead + count + 1, at: position)
                count += 1
                position = end
            }
            if count > 0 {
                let bytes = UnsafeRawBufferPointer(start: buffer + head, count: position - head)
                head = position
                recordsRead += count
                return RecordBlock(bytes: bytes, records: count, endsWithLineEnding: scannedContentEnd != position)
            }
            try fill()
        }
    }

    /// The bytes of the current record, line ending included, valid until the scanner advances.
    public var recordBytes: UnsafeRawBufferPointer {
        guard let current else { return UnsafeRawBufferPointer(start: nil, count: 0) }
        return UnsafeRawBufferPointer(start: buffer + recordStart, count: current.length)
    }

    /// The line ending of the current record (`\r\n`, `\n`, or empty at the end of a file without one).
    public var lineEnding: UnsafeRawBufferPointer {
        guard let current else { return UnsafeRawBufferPointer(start: nil, count: 0) }
        return UnsafeRawBufferPointer(
            start: buffer + recordStart + current.contentLength, count: current.length - current.contentLength)
    }

    /// The raw bytes of field `index` of the current record, surrounding quotes and doubled quotes included.
    ///
    /// Valid for `index < min(fieldCount, fieldRangeLimit)`; empty otherwise.
    public func rawField(_ index: Int) -> UnsafeRawBufferPointer {
        guard index >= 0, index < currentFieldRanges else { return UnsafeRawBufferPointer(start: nil, count: 0) }
        let start = bounds[2 * index]
        return UnsafeRawBufferPointer(start: buffer + start, count: bounds[2 * index + 1] - start)
    }

    // MARK: - Scanning

    /// Scans one record starting at buffer offset `start`: returns the offset one past its end, or -1 when the
    /// buffer ends first and more input may follow. Sets `scannedContentEnd` and `scannedFieldCount`.
    @inline(__always)
    private func scanRecord(at start: Int, storeFields: Bool) throws -> Int {
        let bytes = buffer.assumingMemoryBound(to: UInt8.self)
        let limit = tail
        let delimiter = delimiter
        let delimiterWord = delimiterWord
        let largestSpecialByte = largestSpecialByte
        var index = start
        var fields = 0
        while true {
            let fieldStart = index
            if index < limit && bytes[index] == Byte.quote {
                // Quoted field: jump from quote to quote with memchr.
                index += 1
                while true {
                    guard index < limit, let found = memchr(bytes + index, Int32(Byte.quote), limit - index) else {
                        if atEOF {
                            throw malformed(
                                .unterminatedQuote, at: start,
                                "unterminated quoted field (its opening quote is at byte offset "
                                    + "\(bufferOrigin + Int64(fieldStart))); the file is truncated or not valid CSV.")
                        }
                        return -1
                    }
                    index = found.assumingMemoryBound(to: UInt8.self) - bytes + 1
                    if index == limit {
                        if atEOF { break }
                        return -1
                    }
                    if bytes[index] == Byte.quote {
                        index += 1
                        continue
                    }
                    break
                }
                if storeFields { storeField(fields, fieldStart, index) }
                fields += 1
                if index == limit {
                    scannedContentEnd = index
                    scannedFieldCount = fields
                    return index
                }
                let next = bytes[index]
                if next == delimiter {
                    index += 1
                    continue
                }
                if next == Byte.lineFeed {
                    scannedContentEnd = index
                    scannedFieldCount = fields
                    return index + 1
                }
                if next == Byte.carriageReturn {
                    if index + 1 == limit && !atEOF { return -1 }
                    if index + 1 < limit && bytes[index + 1] == Byte.lineFeed {
                        scannedContentEnd = index
                        scannedFieldCount = fields
                        return index + 2
                    }
                }
                throw malformed(
                    .textAfterClosingQuote, at: start,
                    "text after the closing quote of field \(fields) (byte offset \(bufferOrigin + Int64(index))); "
                        + "a quoted field must end at a delimiter or line end, and quotes inside it must be doubled.")
            }
            // Unquoted field: skip 8 bytes at a time while none is the delimiter, a quote, CR or LF (SWAR), then
            // byte by byte, where most bytes are above all of them (',' is 0x2C) so one comparison rejects them.
            while index + 8 <= limit {
                let word = UnsafeRawPointer(bytes + index).loadUnaligned(as: UInt64.self)
                if Byte.hasSpecialByte(word, delimiterWord: delimiterWord) { break }
                index += 8
            }
            while index < limit {
                let byte = bytes[index]
                if byte <= largestSpecialByte
                    && (byte == delimiter || byte == Byte.lineFeed || byte == Byte.carriageReturn
                        || byte == Byte.quote)
                {
                    if byte == Byte.carriageReturn {
                        if index + 1 == limit {
                            if atEOF {
                                index += 1
                                continue
                            }
                            return -1
                        }
                        if bytes[index + 1] != Byte.lineFeed {
                            index += 1
                            continue
                        }
                    }
                    break
                }
                index += 1
            }
            if index == limit {
                if !atEOF { return -1 }
                if storeFields { storeField(fields, fieldStart, index) }
                scannedContentEnd = index
                scannedFieldCount = fields + 1
                return index
            }
            if storeFields { storeField(fields, fieldStart, index) }
            fields += 1
            switch bytes[index] {
            case delimiter:
                index += 1
            case Byte.lineFeed:
                scannedContentEnd = index
                scannedFieldCount = fields
                return index + 1
            case Byte.carriageReturn:
                scannedContentEnd = index
                scannedFieldCount = fields
                return index + 2
            default:
                throw malformed(
                    .unexpectedQuote, at: start,
                    "a quote inside unquoted field \(fields) (byte offset \(bufferOrigin + Int64(index))); "
                        + "RFC 4180 needs the whole field quoted and inner quotes doubled.")
            }
        }
    }

    @inline(__always)
    private func storeField(_ field: Int, _ start: Int, _ end: Int) {
        guard field < fieldRangeLimit else { return }
        if field >= boundsCapacity { growBounds() }
        bounds[2 * field] = start
        bounds[2 * field + 1] = end
    }

    private func growBounds() {
        let larger = UnsafeMutablePointer<Int>.allocate(capacity: boundsCapacity * 4)
        larger.update(from: bounds, count: boundsCapacity * 2)
        bounds.deallocate()
        bounds = larger
        boundsCapacity *= 2
    }

    @inline(__always)
    private func checkFieldCount(_ count: Int, record: Int, at position: Int) throws {
        guard let expected = expectedFieldCount, count != expected else { return }
        throw CSVMergeError(
            kind: .raggedRecord, file: path, record: record, byteOffset: bufferOrigin + Int64(position),
            message: "the record has \(count) field\(count == 1 ? "" : "s") but the header has \(expected); "
                + "the file is damaged or not one CSV table.")
    }

    private func malformed(_ kind: CSVMergeError.Kind, at start: Int, _ message: String) -> CSVMergeError {
        CSVMergeError(
            kind: kind, file: path, record: recordsRead + 1, byteOffset: bufferOrigin + Int64(start),
            message: message)
    }

    // MARK: - Reading

    private func startIfNeeded() throws {
        guard !started else { return }
        started = true
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else {
            atEOF = true
            throw Self.openError(path)
        }
        #if os(Linux)
            _ = posix_fadvise(descriptor, 0, 0, Int32(POSIX_FADV_SEQUENTIAL))
        #endif
        fd = descriptor
        buffer.deallocate()
        buffer = UnsafeMutableRawPointer.allocate(byteCount: capacity, alignment: 16)
        while tail < 3 && !atEOF { try fill() }
        if tail >= 3 && buffer.load(as: UInt8.self) == 0xEF && buffer.load(fromByteOffset: 1, as: UInt8.self) == 0xBB
            && buffer.load(fromByteOffset: 2, as: UInt8.self) == 0xBF
        {
            hasByteOrderMark = true
            head = 3
        }
        detectDelimiter()
    }

    /// The header line's delimiter: a comma when it has one outside quotes, else a semicolon, else a tab, else a
    /// comma (a one-column file). Read from the first buffer, which holds any plausible header line.
    private func detectDelimiter() {
        let bytes = buffer.assumingMemoryBound(to: UInt8.self)
        var quoted = false
        var semicolons = 0
        var tabs = 0
        var index = head
        scan: while index < tail {
            switch bytes[index] {
            case Byte.quote: quoted.toggle()
            case Byte.comma where !quoted: break scan
            case Byte.semicolon where !quoted: semicolons += 1
            case Byte.tab where !quoted: tabs += 1
            case Byte.lineFeed where !quoted: break scan
            default: break
            }
            index += 1
        }
        if index < tail && bytes[index] == Byte.comma { return }
        let found = semicolons > 0 ? Byte.semicolon : tabs > 0 ? Byte.tab : Byte.comma
        delimiter = found
        delimiterWord = Byte.ones &* UInt64(found)
        largestSpecialByte = max(found, Byte.quote, Byte.carriageReturn)
    }

    /// Moves the unconsumed bytes to the front of the buffer (growing it when one record fills it) and reads more.
    private func fill() throws {
        current = nil
        currentFieldRanges = 0
        if head > 0 {
            let remaining = tail - head
            if remaining > 0 { memmove(buffer, buffer + head, remaining) }
            bufferOrigin += Int64(head)
            tail = remaining
            head = 0
        }
        if tail == capacity {
            guard capacity < maxRecordSize else {
                throw CSVMergeError(
                    kind: .recordTooLarge, file: path, record: recordsRead + 1, byteOffset: bufferOrigin,
                    message: "a record is larger than \(maxRecordSize) bytes; the file is probably not CSV "
                        + "or has an unbalanced quote.")
            }
            let newCapacity = min(capacity * 2, maxRecordSize)
            let larger = UnsafeMutableRawPointer.allocate(byteCount: newCapacity, alignment: 16)
            larger.copyMemory(from: buffer, byteCount: tail)
            buffer.deallocate()
            buffer = larger
            capacity = newCapacity
        }
        while true {
            let count = read(fd, buffer + tail, capacity - tail)
            if count > 0 {
                tail += count
                return
            }
            if count == 0 {
                atEOF = true
                return
            }
            if errno == EINTR { continue }
            let reason = String(cString: strerror(errno))
            throw CSVMergeError(kind: .cannotRead, file: path, byteOffset: bufferOrigin + Int64(tail), message: reason)
        }
    }
}

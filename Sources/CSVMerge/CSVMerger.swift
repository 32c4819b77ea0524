import Foundation

/// Merges the chunk files of one export into one CSV, equal to what a single export of the whole window returns.
///
/// Concatenation copies records as raw bytes in window order; a sorted merge runs a k-way merge over the current
/// record of each input; either can drop duplicate rows in streaming form. Headers must match (columns in another
/// order are rewritten into the first file's order). The output is written to a temporary file beside it, hashed
/// while written, fsynced and renamed: on any error the previous output stays and the temporary file is removed.
/// Memory: one read buffer per input, one write buffer, and the dedupe keys of one timestamp.
public struct CSVMerger: Sendable {
    public var options: MergeOptions

    public init(options: MergeOptions = MergeOptions()) {
        self.options = options
    }

    /// Merges `inputs` into the file at `output` (replaced atomically).
    /// - Throws: `CSVMergeError` for malformed input (file, record, byte offset), mismatched headers, unsorted
    ///   input in a sorted merge, overlapping windows in a concatenation, I/O errors or cancellation.
    public func merge(_ inputs: [MergeInput], into output: String) throws -> MergeResult {
        guard !inputs.isEmpty else {
            throw CSVMergeError(kind: .noInputs, file: output, message: "no chunk files to merge; pass at least one.")
        }
        var concatenation = true
        if case .sorted = options.mode { concatenation = false }
        // A sorted merge reads all inputs at once: share about 32 MiB of buffers among them (at least 64 KiB
        // each); a concatenation reads one input at a time and gives it the whole buffer.
        var bufferSize = options.readBufferSize
        if !concatenation && bufferSize > 64 * 1024 {
            bufferSize = max(64 * 1024, min(bufferSize, (32 << 20) / inputs.count))
        }
        var cursors: [InputCursor] = []
        for (order, input) in inputs.enumerated() {
            cursors.append(try InputCursor(input: input, order: order, bufferSize: bufferSize))
        }
        if concatenation { cursors = try Self.windowOrder(cursors) }

        // A concatenation checks each later header when it reaches that file; a sorted merge needs all now.
        var layout = try readHeaders(cursors, all: !concatenation)
        let file = try AtomicOutputFile(destination: output, bufferSize: options.writeBufferSize)
        defer { file.abort() }
        var writer = RecordWriter(file: file, lineEnding: layout.lineEnding)
        if let header = layout.headerBytes {
            if layout.byteOrderMark { try file.write([0xEF, 0xBB, 0xBF]) }
            try writer.write(record: header, hasLineEnding: layout.headerHasLineEnding)
        }
        let filter = options.deduplication.map { DuplicateFilter(recentLimit: $0.recentKeyLimit) }
        var warnings: [String] = []
        switch options.mode {
        case .concatenate:
            try concatenate(cursors, layout: &layout, writer: &writer, filter: filter)
        case .sorted:
            try sortedMerge(cursors, layout: layout, writer: &writer, filter: filter, warnings: &warnings)
        }
        let sha256 = try file.commit()
        let summaries = cursors.sorted { $0.order < $1.order }.map {
            MergeResult.InputSummary(
                input: $0.input, rows: $0.rows, rowsWritten: $0.rows - $0.duplicates, reordered: $0.mapping != nil)
        }
        return MergeResult(
            output: output, columns: layout.columns, rows: summaries.reduce(0) { $0 + $1.rowsWritten },
            bytes: file.bytesWritten, sha256: sha256, duplicatesDropped: cursors.reduce(0) { $0 + $1.duplicates },
            inputs: summaries, warnings: warnings)
    }

    // MARK: - Set-up

    /// Window order for concatenation (stable; the given order when some window is unknown).
    private static func windowOrder(_ cursors: [InputCursor]) throws -> [InputCursor] {
        guard cursors.allSatisfy({ $0.input.window != nil }) else { return cursors }
        let ordered = cursors.sorted {
            let a = $0.input.window ?? TimeWindow(startMs: 0, endMs: 0)
            let b = $1.input.window ?? TimeWindow(startMs: 0, endMs: 0)
            return (a.startMs, a.endMs, $0.order) < (b.startMs, b.endMs, $1.order)
        }
        for (previous, next) in zip(ordered, ordered.dropFirst()) {
            guard let a = previous.input.window, let b = next.input.window, b.startMs < a.endMs else { continue }
            throw CSVMergeError(
                kind: .overlappingWindows, file: next.input.path,
                message: "its window \(TimeWindow.iso(b.startMs))…\(TimeWindow.iso(b.endMs)) overlaps the window "
                    + "of \(previous.input.path) (\(TimeWindow.iso(a.startMs))…\(TimeWindow.iso(a.endMs))); "
                    + "concatenation needs disjoint windows. Merge fan-out chunks with a sort key (--sort-by).")
        }
        return ordered
    }

    private struct Layout {
        var columns: [String] = []
        var referencePath = ""
        var headerBytes: [UInt8]?
        var headerHasLineEnding = true
        var lineEnding: [UInt8] = [0x0D, 0x0A]
        var byteOrderMark = false
        var delimiter = Byte.comma
        var sortColumns: [Int] = []
        var keyColumns: [Int] = []
        var groupColumns: [Int] = []
        /// The position of `MergeOptions.timeColumn` among the sort columns.
        var timeSortColumn: Int?
    }

    /// Reads headers up to the first non-empty one (`all`: every one), reconciles column orders and resolves the
    /// options' column names to field indexes.
    private func readHeaders(_ cursors: [InputCursor], all: Bool) throws -> Layout {
        var layout = Layout()
        for cursor in cursors {
            if layout.headerBytes != nil && !all { break }
            try readHeader(cursor, layout: &layout)
        }
        guard layout.headerBytes != nil else { return layout }
        func resolve(_ names: [String], _ role: String) throws -> [Int] {
            try names.map { name in
                // The exact name, else the same name written another way (`Created Time` for `created_time`).
                guard
                    let index = layout.columns.firstIndex(of: name)
                        ?? ColumnName.find([name], in: layout.columns).flatMap({ layout.columns.firstIndex(of: $0) })
                else {
                    throw CSVMergeError(
                        kind: .unknownColumn, file: layout.referencePath, record: 1, byteOffset: 0,
                        message: "the \(role) column \"\(name)\" is not in the header; the columns are "
                            + layout.columns.map { "\"\($0)\"" }.joined(separator: ", ") + ".")
                }
                return index
            }
        }
        if case .sorted(let names) = options.mode {
            layout.sortColumns = try resolve(names, "sort")
            if let time = options.timeColumn, let index = try resolve([time], "time").first {
                layout.timeSortColumn = layout.sortColumns.firstIndex(of: index)
            }
        }
        if let dedupe = options.deduplication {
            layout.keyColumns = try resolve(dedupe.keyColumns, "de-duplication key")
            if let group = dedupe.groupColumn {
                layout.groupColumns = try resolve([group], "de-duplication group")
            } else {
                layout.groupColumns = layout.sortColumns
            }
        }
        for cursor in cursors where cursor.columns != nil { configure(cursor, layout) }
        return layout
    }

    /// Reads `cursor`'s header: the first non-empty one becomes the reference, later ones are reconciled with it.
    /// An empty file is closed at once.
    private func readHeader(_ cursor: InputCursor, layout: inout Layout) throws {
        guard !cursor.headerRead else { return }
        cursor.headerRead = true
        let scanner = cursor.scanner
        guard try scanner.next() != nil else {
            scanner.closeFile()
            return
        }
        let names = scanner.fieldStrings()
        cursor.columns = names
        scanner.expectedFieldCount = names.count
        if layout.headerBytes == nil {
            layout.columns = names
            layout.referencePath = cursor.input.path
            layout.headerBytes = Array(scanner.recordBytes)
            layout.headerHasLineEnding = scanner.current?.hasLineEnding ?? false
            if !scanner.lineEnding.isEmpty { layout.lineEnding = Array(scanner.lineEnding) }
            layout.byteOrderMark = scanner.hasByteOrderMark
            layout.delimiter = scanner.delimiter
        } else {
            if scanner.delimiter != layout.delimiter && names.count > 1 && layout.columns.count > 1 {
                throw CSVMergeError(
                    kind: .headerMismatch, file: cursor.input.path, record: 1, byteOffset: 0,
                    message: "its fields are delimited by \(Self.delimiterName(scanner.delimiter)) but those of "
                        + "\(layout.referencePath) by \(Self.delimiterName(layout.delimiter)); one export's files "
                        + "must share one delimiter.")
            }
            cursor.mapping = try HeaderReconciler.mapping(
                reference: layout.columns, referencePath: layout.referencePath, other: names,
                otherPath: cursor.input.path)
        }
    }

    private static func delimiterName(_ byte: UInt8) -> String {
        switch byte {
        case Byte.semicolon: "semicolons"
        case Byte.tab: "tabs"
        default: "commas"
        }
    }

    /// Maps the resolved columns to `cursor`'s own field indexes and limits field-range recording to them.
    private func configure(_ cursor: InputCursor, _ layout: Layout) {
        cursor.sortFields = layout.sortColumns.map(cursor.field)
        cursor.keyFields = layout.keyColumns.map(cursor.field)
        cursor.groupFields = layout.groupColumns.map(cursor.field)
        let needed = cursor.sortFields + cursor.keyFields + cursor.groupFields
        cursor.scanner.fieldRangeLimit = cursor.mapping != nil ? Int.max : (needed.max() ?? -1) + 1
    }

    // MARK: - Concatenation

    private func concatenate(
        _ cursors: [InputCursor], layout: inout Layout, writer: inout RecordWriter, filter: DuplicateFilter?
    ) throws {
        var keyBytes: [UInt8] = []
        let grouped = !layout.groupColumns.isEmpty
        let boundaryOnly = options.deduplication?.boundaryOnly ?? false
        for cursor in cursors {
            // One file open at a time: read its header on arrival, close it when done.
            if !cursor.headerRead {
                try readHeader(cursor, layout: &layout)
                if cursor.columns != nil { configure(cursor, layout) }
            }
            guard cursor.columns != nil else { continue }
            let scanner = cursor.scanner
            defer { scanner.closeFile() }
            if boundaryOnly && !grouped { filter?.beginInput() }
            if cursor.mapping == nil && filter == nil {
                // The fast path: validated runs of records straight from the read buffer to the write buffer.
                while let block = try scanner.nextBlock() {
                    try checkCancelled(cursor)
                    try writer.write(record: block.bytes, hasLineEnding: block.endsWithLineEnding)
                    cursor.rows += block.records
                }
                continue
            }
            while try scanner.next() != nil {
                cursor.rows += 1
                if cursor.rows & 0xFFFF == 0 { try checkCancelled(cursor) }
                if let filter {
                    Self.loadKey(scanner, cursor.keyFields, into: &keyBytes)
                    let duplicate: Bool
                    if grouped {
                        cursor.groupKey.load(from: scanner, columns: cursor.groupFields, parseInstants: true)
                        duplicate = filter.isDuplicate(key: keyBytes, group: cursor.groupKey)
                    } else if boundaryOnly {
                        duplicate = filter.isBoundaryDuplicate(key: keyBytes)
                    } else {
                        duplicate = filter.isRecentDuplicate(key: keyBytes)
                    }
                    if duplicate {
                        cursor.duplicates += 1
                        continue
                    }
                }
                try writer.writeCurrent(of: cursor)
            }
        }
    }

    // MARK: - Sorted (k-way) merge

    private func sortedMerge(
        _ cursors: [InputCursor], layout: Layout, writer: inout RecordWriter, filter: DuplicateFilter?,
        warnings: inout [String]
    ) throws {
        let active = cursors.filter { $0.columns != nil }
        // Keys live in flat storage outside the cursors: the heap's comparison reads them on every record.
        let keys = SortKeyTable(
            inputs: active.count, columns: active.first?.sortFields.count ?? 1, timeColumn: layout.timeSortColumn,
            readings: active.map(\.input.timeReading), dateOrders: active.map(\.input.dateOrder))
        defer { warnings += Self.timeWarnings(active, keys, layout) }
        var heap = IndexHeap()
        func less(_ a: Int, _ b: Int) -> Bool {
            let order = keys.compareInputs(a, b)
            return order < 0 || (order == 0 && a < b)
        }
        var outOfOrder = Set<Int>()
        func advance(_ cursor: InputCursor, _ index: Int) throws -> Bool {
            try self.advance(cursor, index, keys, outOfOrder: &outOfOrder, warnings: &warnings)
        }
        for index in active.indices where try advance(active[index], index) {
            heap.insert(index, by: less)
        }
        var keyBytes: [UInt8] = []
        var written = 0
        while let index = heap.top {
            let cursor = active[index]
            var duplicate = false
            if let filter {
                Self.loadKey(cursor.scanner, cursor.keyFields, into: &keyBytes)
                cursor.groupKey.load(from: cursor.scanner, columns: cursor.groupFields, parseInstants: true)
                duplicate = filter.isDuplicate(key: keyBytes, group: cursor.groupKey)
            }
            if duplicate {
                cursor.duplicates += 1
            } else {
                try writer.writeCurrent(of: cursor)
            }
            written += 1
            if written & 0xFFFF == 0 { try checkCancelled(cursor) }
            if try advance(cursor, index) {
                heap.topChanged(by: less)
            } else {
                heap.removeTop(by: less)
            }
        }
    }

    /// Moves `cursor` (input `index`) to its next record and loads its sort key; `false` at the end of its file.
    private func advance(
        _ cursor: InputCursor, _ index: Int, _ keys: SortKeyTable, outOfOrder: inout Set<Int>,
        warnings: inout [String]
    ) throws -> Bool {
        guard let record = try cursor.scanner.next() else {
            cursor.scanner.closeFile()
            return false
        }
        cursor.rows += 1
        keys.load(input: index, from: cursor.scanner, fields: cursor.sortFields)
        if record.number > 2 && keys.compareToPrevious(index) < 0 {
            var columns: [String] = []
            if case .sorted(let names) = options.mode { columns = names }
            guard options.requireSortedInputs else {
                if outOfOrder.insert(index).inserted {
                    warnings.append(
                        "\(cursor.input.path): record \(record.number) sorts before the previous one by "
                            + "(\(columns.joined(separator: ", "))); this file's rows keep their file order, so the "
                            + "output is not in that order around them.")
                }
                return true
            }
            throw CSVMergeError(
                kind: .inputNotSorted, file: cursor.input.path, record: record.number, byteOffset: record.byteOffset,
                message: "the record sorts before the previous one by (\(columns.joined(separator: ", "))); a sorted "
                    + "merge needs every chunk in the export's order. Check the sort columns, or concatenate instead.")
        }
        return true
    }

    /// One warning per input whose time values did not parse in any known form.
    private static func timeWarnings(_ active: [InputCursor], _ keys: SortKeyTable, _ layout: Layout) -> [String] {
        guard let column = layout.timeSortColumn, layout.sortColumns.indices.contains(column) else { return [] }
        let name = layout.columns[layout.sortColumns[column]]
        return active.indices.compactMap { index in
            guard keys.unparsedTimes[index] > 0 else { return nil }
            return "\(active[index].input.path): \(keys.unparsedTimes[index]) value(s) of the time column \"\(name)\" "
                + "(the first: \"\(keys.firstUnparsedTime[index] ?? "")\") are in no known time form; they were "
                + "compared as text, so this file's rows keep their file order among the others."
        }
    }

    // MARK: - Helpers

    /// The values of `fields`, each prefixed by its length so that different splits never collide.
    private static func loadKey(_ scanner: CSVScanner, _ fields: [Int], into key: inout [UInt8]) {
        key.removeAll(keepingCapacity: true)
        for field in fields {
            let lengthAt = key.count
            key.append(contentsOf: [0, 0, 0, 0])
            scanner.appendFieldValue(field, to: &key)
            let length = UInt32(truncatingIfNeeded: key.count - lengthAt - 4)
            key[lengthAt] = UInt8(truncatingIfNeeded: length)
            key[lengthAt + 1] = UInt8(truncatingIfNeeded: length >> 8)
            key[lengthAt + 2] = UInt8(truncatingIfNeeded: length >> 16)
            key[lengthAt + 3] = UInt8(truncatingIfNeeded: length >> 24)
        }
    }

    private func checkCancelled(_ cursor: InputCursor) throws {
        guard options.isCancelled() else { return }
        throw CSVMergeError(
            kind: .cancelled, file: cursor.input.path,
            message: "the merge was cancelled; the previous output is untouched.")
    }
}

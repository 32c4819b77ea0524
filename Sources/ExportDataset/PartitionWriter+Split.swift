import CSVMerge
import Foundation

extension PartitionWriter {
    /// The CSV the partitions are cut from: one export of the run's window.
    struct Source {
        var path: String
        /// Whether `path` is this writer's own merged file (removed after), not a chunk file.
        var temporary: Bool
        /// The time column, when the header has one.
        var timeColumn: String?
        var timeReading: TimeReading
        var dateOrder: DateOrder
        var warnings: [String]
    }

    /// One chunk is its own source; several are merged by `ExportMergePlan` into the scratch folder.
    func mergedSource() throws -> Source {
        let reading = chunks[0].timeReading
        let order = chunks[0].dateOrder
        if chunks.count == 1 {
            let header = try ExportMergePlan(
                exportName: layout.exportName, chunks: chunks, candidates: candidates, override: override,
                output: "", scratchDirectory: scratchDirectory
            ).firstHeader()
            let roles = ResolvedColumnRoles.resolve(header: header ?? [], candidates: candidates, override: override)
            return Source(
                path: chunks[0].path, temporary: false, timeColumn: roles.roles.time, timeReading: reading,
                dateOrder: order, warnings: [])
        }
        let output = scratchDirectory + "/" + layout.exportName + ".partitions.csv"
        let outcome = try ExportMergePlan(
            exportName: layout.exportName, chunks: chunks, candidates: candidates, override: override, output: output,
            scratchDirectory: scratchDirectory + "/groups", isCancelled: isCancelled
        ).merge()
        return Source(
            path: output, temporary: true, timeColumn: outcome.roles.time, timeReading: reading, dateOrder: order,
            warnings: outcome.warnings)
    }

    /// Cuts `source` into the partitions: each file gets the header, then the rows whose time falls in its window.
    /// `finish` is called with each partition's sink once all its rows are written (partitions without rows get
    /// the header alone, as an export of their window would).
    /// - Returns: the rows left out because their time is outside every partition's window.
    func split(_ source: Source, finish: (PartitionFileSink, PartitionWindow) throws -> Void) throws -> Int {
        let scanner = try CSVScanner(path: source.path)
        defer { scanner.closeFile() }
        var header: [UInt8] = []
        var timeIndex: Int?
        if try scanner.next() != nil {
            if scanner.hasByteOrderMark { header = [0xEF, 0xBB, 0xBF] }
            header += Array(scanner.recordBytes)
            if let name = source.timeColumn { timeIndex = scanner.fieldStrings().firstIndex(of: name) }
        }
        func open(_ index: Int) throws -> PartitionFileSink {
            let key = partitions[index].key
            try FileManager.default.createDirectory(
                atPath: layout.directory(of: key), withIntermediateDirectories: true)
            let sink = try PartitionFileSink(
                destination: layout.path(of: key), temporaryDirectory: layout.root, compression: layout.compression)
            try sink.write(header)
            return sink
        }
        var index = 0
        var sink = try open(0)
        var outside = 0
        if !splitsByTime {
            while let block = try scanner.nextBlock() {
                try sink.writeRecords(block.bytes, count: block.records)
            }
        } else if !header.isEmpty {
            guard let timeIndex else {
                throw DatasetError(
                    .timeColumn, file: source.path,
                    "\(layout.exportName) has no time column (looked for "
                        + (candidates.time + (override.time.map { [$0] } ?? [])).map { "\"\($0)\"" }.joined(
                            separator: ", ")
                        + "), so its rows cannot be split into partitions; name it with merge.time_column in the spec")
            }
            var reader = TimeValueReader(source.timeReading, dateOrder: source.dateOrder)
            var unquoted: [UInt8] = []
            let lastIndex = partitions.count - 1
            while let record = try scanner.next() {
                let raw = scanner.rawField(timeIndex)
                let instant: Int64?
                if raw.count >= 2, raw[0] == 0x22 {
                    unquoted.removeAll(keepingCapacity: true)
                    scanner.appendFieldValue(timeIndex, to: &unquoted)
                    instant = unquoted.withUnsafeBytes { reader.instant($0) }
                } else {
                    instant = reader.instant(raw)
                }
                guard let instant else {
                    throw DatasetError(
                        .timeColumn, file: source.path,
                        "record \(record.number): the time \"\(scanner.fieldString(timeIndex))\" of column "
                            + "\"\(source.timeColumn ?? "")\" is in no known time form, so the row cannot be put in a "
                            + "partition")
                }
                while index < lastIndex && instant >= partitions[index].window.endMs {
                    try finish(sink, partitions[index])
                    index += 1
                    sink = try open(index)
                }
                if instant < partitions[index].window.startMs {
                    guard index == 0 else {
                        throw DatasetError(
                            .rowsOutOfOrder, file: source.path,
                            "record \(record.number) (\(scanner.fieldString(timeIndex))) goes back before the "
                                + "partition \(partitions[index].key) it follows rows of; the rows are not in time order"
                        )
                    }
                    outside += 1
                    continue
                }
                if instant >= partitions[index].window.endMs {
                    outside += 1
                    continue
                }
                try sink.writeRecord(scanner.recordBytes)
            }
        }
        try finish(sink, partitions[index])
        while index < partitions.count - 1 {
            index += 1
            try finish(try open(index), partitions[index])
        }
        return outside
    }
}

/// `exportpipe merge --sort-by/--dedupe-on`: the columns a person named, found in the files' header the way a
/// run's merge finds them (`ColumnName`: `Created Time` for `created_time`), with the same fallbacks.
extension MergeOptions {
    /// The options for merging `files` by the named columns, and one warning per column not found. A column that
    /// is not there is worked around as a run's merge does: no sort column → concatenation in the order given; no
    /// key column → whole rows compared where adjacent files overlap. The first sort column reads as time (offsets,
    /// no offset as UTC, epoch seconds or milliseconds) when its name says it holds times.
    /// - Throws: `CSVMergeError` when a file cannot be read.
    public static func resolving(files: [String], sortBy: [String]?, dedupeOn: [String]?) throws
        -> (options: MergeOptions, warnings: [String])
    {
        let header = try firstHeader(of: files) ?? []
        var warnings: [String] = []
        func find(_ names: [String], _ option: String, _ fallback: String) -> [String]? {
            guard !header.isEmpty else { return names }
            let found = names.map { ColumnName.find([$0], in: header) }
            if found.allSatisfy({ $0 != nil }) { return found.compactMap { $0 } }
            let absent = zip(names, found).filter { $0.1 == nil }.map { "\"\($0.0)\"" }
            warnings.append(
                "\(option) \(absent.joined(separator: ", ")) not in the header of \(files[0]) ("
                    + header.map { "\"\($0)\"" }.joined(separator: ", ") + "); \(fallback).")
            return nil
        }
        let sortColumns = sortBy.flatMap {
            find($0, "--sort-by", "the files are concatenated in the order given instead")
        }
        let keyColumns = dedupeOn.map { names -> [String] in
            find(names, "--dedupe-on", "rows are compared whole where adjacent files overlap") ?? header
        }
        let missingKey = dedupeOn != nil && keyColumns == header && !header.isEmpty
        let timeColumn = sortColumns?.first.flatMap { name -> String? in
            let normalized = ColumnName.normalized(name)
            return normalized.contains("time") || normalized.contains("date") ? name : nil
        }
        var deduplication = keyColumns.map { Deduplication(keyColumns: $0) }
        if missingKey, sortColumns == nil { deduplication?.boundaryOnly = true }
        let options = MergeOptions(
            mode: sortColumns.map { .sorted(by: $0) } ?? .concatenate, deduplication: deduplication,
            timeColumn: timeColumn)
        return (options, warnings)
    }

    /// The header of the first of `files` that has one, or nil when all are empty.
    /// - Throws: `CSVMergeError` when a file cannot be read.
    public static func firstHeader(of files: [String]) throws -> [String]? {
        for file in files {
            let scanner = try CSVScanner(path: file, fieldRangeLimit: Int.max)
            defer { scanner.closeFile() }
            if try scanner.next() != nil { return scanner.fieldStrings() }
        }
        return nil
    }
}

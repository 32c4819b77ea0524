import CSVMerge

/// Checks a downloaded chunk: a header, then records that are well-formed RFC 4180 to the last one, each with
/// the header's field count. Returns the number of data rows.
public enum ChunkFileVerifier {
    /// - Throws: `CSVMergeError` naming the file, record and byte offset of the first problem; an empty file is
    ///   an error too (every export has a header row).
    public static func verify(path: String) throws -> Int64 {
        let scanner = try CSVScanner(path: path, fieldRangeLimit: 0)
        guard let header = try scanner.next() else {
            throw CSVMergeError(
                kind: .missingHeader, file: path, message: "is empty: an export always has a header row")
        }
        scanner.expectedFieldCount = header.fieldCount
        var rows: Int64 = 0
        while try scanner.next() != nil { rows += 1 }
        return rows
    }
}

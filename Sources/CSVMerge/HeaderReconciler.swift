/// Checks that two chunk headers describe the same table and, when their columns are in another order, says how
/// to rewrite the other file's records into the reference order.
enum HeaderReconciler {
    /// The field index in `other` of each reference column, or `nil` when the order is already the same.
    /// - Throws: `CSVMergeError` (`.headerMismatch`, `.duplicateColumn`) naming both files and the columns.
    static func mapping(
        reference: [String], referencePath: String, other: [String], otherPath: String
    ) throws -> [Int]? {
        if reference == other { return nil }
        for (names, path) in [(reference, referencePath), (other, otherPath)] {
            var seen: Set<String> = []
            let duplicates = names.filter { !seen.insert($0).inserted }
            if !duplicates.isEmpty {
                throw CSVMergeError(
                    kind: .duplicateColumn, file: path, record: 1, byteOffset: 0,
                    message: "the header names \(list(duplicates)) more than once, so the columns of \(referencePath) "
                        + "and \(otherPath) (which are in different orders) cannot be matched by name.")
            }
        }
        let missing = reference.filter { !other.contains($0) }
        let extra = other.filter { !reference.contains($0) }
        if !missing.isEmpty || !extra.isEmpty {
            var parts: [String] = []
            if !missing.isEmpty { parts.append("\(list(missing)) only in \(referencePath)") }
            if !extra.isEmpty { parts.append("\(list(extra)) only in \(otherPath)") }
            throw CSVMergeError(
                kind: .headerMismatch, file: otherPath, record: 1, byteOffset: 0,
                message: "its header does not match the header of \(referencePath): "
                    + parts.joined(separator: "; ")
                    + ". Chunks of one export must have the same columns; re-download the chunk or merge it "
                    + "separately.")
        }
        var position: [String: Int] = [:]
        for (index, name) in other.enumerated() { position[name] = index }
        return reference.compactMap { position[$0] }
    }

    private static func list(_ names: [String]) -> String {
        names.map { "\"\($0)\"" }.joined(separator: ", ")
    }
}

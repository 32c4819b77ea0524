/// One input of a merge: its scanner, header, column mapping and the key of its current record.
final class InputCursor {
    let input: MergeInput
    /// The position of this input in the list given to the merger (ties in a sorted merge go to the lower one).
    let order: Int
    let scanner: CSVScanner
    /// Whether the header has been read (a concatenation reads it when it reaches the file).
    var headerRead = false
    /// The header's column names, or `nil` for an empty file (no header, no rows).
    var columns: [String]?
    /// The field index in this file of each output column, when the file's columns are in another order.
    var mapping: [Int]?
    /// This file's field indexes of the sort columns, dedupe key columns and dedupe group column.
    var sortFields: [Int] = []
    var keyFields: [Int] = []
    var groupFields: [Int] = []
    var groupKey = RecordKey()
    var rows = 0
    var duplicates = 0

    init(input: MergeInput, order: Int, bufferSize: Int) throws {
        self.input = input
        self.order = order
        scanner = try CSVScanner(path: input.path, bufferSize: bufferSize)
    }

    /// The field index in this file of output column `column`.
    func field(_ column: Int) -> Int {
        mapping?[column] ?? column
    }
}

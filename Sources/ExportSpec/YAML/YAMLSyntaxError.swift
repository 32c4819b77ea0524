/// A syntax error reported by libyaml, with 1-based marks.
struct YAMLSyntaxError: Error, Sendable, Hashable, CustomStringConvertible {
    var message: String
    var line: Int
    var column: Int
    /// The byte offset libyaml reported (reader errors carry no line/column, only this).
    var byteOffset: Int?

    var description: String { "\(line):\(column): \(message)" }
}

/// `${VAR}` references: syntax (checked at validate time) and resolution (when running).
///
/// Only `${` is special: a `$` not followed by `{` is kept as written. Names are letters, digits and `_`, not
/// starting with a digit. There is no default-value syntax: a variable the run needs must be set.
extension Interpolated {
    /// A piece of an interpolated string.
    public enum Segment: Sendable, Hashable {
        case literal(String)
        case variable(String)
    }

    /// A syntax problem in `raw`, at a 0-based offset in Unicode scalars.
    public struct SyntaxProblem: Error, Sendable, Hashable, CustomStringConvertible {
        public var offset: Int
        public var message: String
        public var fix: String

        public var description: String { "\(message) at offset \(offset); \(fix)" }
    }

    /// The pieces of `text`, or the first syntax problem.
    public static func segments(of text: String) -> Result<[Segment], SyntaxProblem> {
        var segments: [Segment] = []
        var literal = ""
        let scalars = Array(text.unicodeScalars)
        var index = 0
        while index < scalars.count {
            if scalars[index] == "$", index + 1 < scalars.count, scalars[index + 1] == "{" {
                guard let close = scalars[(index + 2)...].firstIndex(of: "}") else {
                    return .failure(
                        SyntaxProblem(
                            offset: index, message: "'${' is not closed",
                            fix: "write a reference as ${NAME}"))
                }
                let name = String(String.UnicodeScalarView(scalars[(index + 2)..<close]))
                guard isValidName(name) else {
                    return .failure(
                        SyntaxProblem(
                            offset: index, message: "'${\(name)}' is not a valid variable reference",
                            fix: "names use letters, digits and '_' and do not start with a digit"))
                }
                if !literal.isEmpty { segments.append(.literal(literal)) }
                literal = ""
                segments.append(.variable(name))
                index = close + 1
            } else {
                literal.unicodeScalars.append(scalars[index])
                index += 1
            }
        }
        if !literal.isEmpty { segments.append(.literal(literal)) }
        return .success(segments)
    }

    /// Whether `name` is a valid environment variable name.
    public static func isValidName(_ name: String) -> Bool {
        let scalars = Array(name.unicodeScalars)
        guard let first = scalars.first, !("0"..."9").contains(first) else { return false }
        return scalars.allSatisfy {
            ("a"..."z").contains($0) || ("A"..."Z").contains($0) || ("0"..."9").contains($0) || $0 == "_"
        }
    }

    /// The variables `raw` refers to, in order (empty when its syntax is wrong).
    public var variables: [String] {
        guard case .success(let segments) = Self.segments(of: raw) else { return [] }
        return segments.compactMap {
            if case .variable(let name) = $0 { return name }
            return nil
        }
    }

    /// Whether `raw` contains any `${…}` reference.
    public var isInterpolated: Bool { raw.contains("${") }

    /// The text with every `${VAR}` replaced from `environment`.
    ///
    /// - Throws: `InterpolationError` naming the variable and this value's spec location when a variable is unset
    ///   or empty, or when the syntax is wrong. The error never contains a variable's value.
    public func resolve(environment: [String: String]) throws(InterpolationError) -> String {
        switch Self.segments(of: raw) {
        case .failure(let error):
            throw InterpolationError.syntax(error.message, at: location)
        case .success(let segments):
            var out = ""
            for segment in segments {
                switch segment {
                case .literal(let text):
                    out += text
                case .variable(let name):
                    guard let value = environment[name] else { throw InterpolationError.unset(name, at: location) }
                    guard !value.isEmpty else { throw InterpolationError.empty(name, at: location) }
                    out += value
                }
            }
            return out
        }
    }
}

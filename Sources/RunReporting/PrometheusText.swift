/// A reader of the Prometheus text exposition format (version 0.0.4): what a textfile collector accepts.
///
/// Used to carry `exportpipe_last_success_timestamp_seconds` over from the previous metrics file, and by the tests
/// to check that what swift-prometheus wrote parses and holds the right values.
public enum PrometheusText {
    public struct Sample: Sendable, Hashable {
        public var name: String
        public var labels: [String: String]
        public var value: Double
    }

    /// A line that is not valid exposition text.
    public struct ParseError: Error, Sendable, Hashable, CustomStringConvertible {
        public var line: Int
        public var reason: String
        public var description: String { "line \(line): \(reason)" }
    }

    /// Every sample, checking the whole text: metric and label names, label escapes, values, `# TYPE` lines
    /// (known types, at most one per family, before its samples) and families kept together.
    /// - Throws: `ParseError` at the first problem.
    public static func parse(_ text: String) throws -> [Sample] {
        var samples: [Sample] = []
        var types: [String: String] = [:]
        var finished = Set<String>()
        var current: String?
        for (index, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let number = index + 1
            let line = Substring(raw)
            if line.allSatisfy({ $0 == " " || $0 == "\t" }) { continue }
            if line.hasPrefix("#") {
                let parts = line.split(separator: " ", maxSplits: 3, omittingEmptySubsequences: true)
                guard parts.count >= 2, parts[0] == "#", parts[1] == "TYPE" || parts[1] == "HELP" else { continue }
                guard parts.count >= 3, isMetricName(parts[2]) else {
                    throw ParseError(line: number, reason: "a \(parts[1]) line needs a valid metric name")
                }
                let name = String(parts[2])
                if parts[1] == "TYPE" {
                    let type = parts.count == 4 ? String(parts[3]) : ""
                    guard ["counter", "gauge", "histogram", "summary", "untyped"].contains(type) else {
                        throw ParseError(line: number, reason: "unknown metric type '\(type)' for \(name)")
                    }
                    guard types[name] == nil else {
                        throw ParseError(line: number, reason: "a second TYPE line for \(name)")
                    }
                    guard !samples.contains(where: { family(of: $0.name, types: types) == name }) else {
                        throw ParseError(line: number, reason: "the TYPE line of \(name) comes after its samples")
                    }
                    types[name] = type
                }
                continue
            }
            let sample = try parseSample(line, number: number)
            let name = family(of: sample.name, types: types)
            if name != current {
                if let current { finished.insert(current) }
                guard !finished.contains(name) else {
                    throw ParseError(line: number, reason: "the samples of \(name) are not all together")
                }
                current = name
            }
            samples.append(sample)
        }
        return samples
    }

    /// The samples of `text`, or none when it does not parse.
    public static func samples(in text: String) -> [Sample] { (try? parse(text)) ?? [] }

    private static func family(of name: String, types: [String: String]) -> String {
        for suffix in ["_bucket", "_sum", "_count"] where name.hasSuffix(suffix) {
            let base = String(name.dropLast(suffix.count))
            if let type = types[base], type == "histogram" || type == "summary" { return base }
        }
        return name
    }

    private static func parseSample(_ line: Substring, number: Int) throws -> Sample {
        var rest = line[...]
        let nameEnd = rest.firstIndex(where: { $0 == "{" || $0 == " " }) ?? rest.endIndex
        let name = String(rest[..<nameEnd])
        guard isMetricName(Substring(name)) else {
            throw ParseError(line: number, reason: "'\(name)' is not a valid metric name")
        }
        rest = rest[nameEnd...]
        var labels: [String: String] = [:]
        if rest.first == "{" {
            rest = rest.dropFirst()
            while true {
                if rest.first == "}" {
                    rest = rest.dropFirst()
                    break
                }
                guard let equals = rest.firstIndex(of: "=") else {
                    throw ParseError(line: number, reason: "a label of \(name) has no '='")
                }
                let label = String(rest[..<equals])
                guard isLabelName(Substring(label)) else {
                    throw ParseError(line: number, reason: "'\(label)' is not a valid label name")
                }
                rest = rest[rest.index(after: equals)...]
                guard rest.first == "\"" else {
                    throw ParseError(line: number, reason: "the value of label \(label) is not quoted")
                }
                rest = rest.dropFirst()
                var value = ""
                var closed = false
                while let character = rest.first {
                    rest = rest.dropFirst()
                    if character == "\"" {
                        closed = true
                        break
                    }
                    if character == "\\" {
                        guard let escaped = rest.first else { break }
                        rest = rest.dropFirst()
                        switch escaped {
                        case "\\": value.append("\\")
                        case "\"": value.append("\"")
                        case "n": value.append("\n")
                        default: throw ParseError(line: number, reason: "'\\\(escaped)' is not a valid escape")
                        }
                    } else {
                        value.append(character)
                    }
                }
                guard closed else {
                    throw ParseError(line: number, reason: "the value of label \(label) is not closed")
                }
                guard labels.updateValue(value, forKey: label) == nil else {
                    throw ParseError(line: number, reason: "label \(label) appears twice")
                }
                if rest.first == "," { rest = rest.dropFirst() }
            }
        }
        let fields = rest.split(separator: " ", omittingEmptySubsequences: true)
        guard fields.count == 1 || fields.count == 2 else {
            throw ParseError(line: number, reason: "\(name) needs a value (and at most a timestamp) after its labels")
        }
        let value: Double
        switch fields[0] {
        case "+Inf": value = .infinity
        case "-Inf": value = -.infinity
        case "NaN": value = .nan
        default:
            guard let parsed = Double(fields[0]) else {
                throw ParseError(line: number, reason: "'\(fields[0])' is not a number (the value of \(name))")
            }
            value = parsed
        }
        if fields.count == 2, Int64(fields[1]) == nil {
            throw ParseError(line: number, reason: "'\(fields[1])' is not a timestamp in milliseconds")
        }
        return Sample(name: name, labels: labels, value: value)
    }

    private static func isMetricName(_ name: Substring) -> Bool {
        guard let first = name.first, first.isASCII, first.isLetter || first == "_" || first == ":" else {
            return false
        }
        return name.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_" || $0 == ":") }
    }

    private static func isLabelName(_ name: Substring) -> Bool {
        guard let first = name.first, first.isASCII, first.isLetter || first == "_" else { return false }
        return name.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") }
    }
}

import AnalyticsAPI
import Foundation

/// Scalars and lists: each reports a wrong type or a malformed value at the value itself.
extension SpecDecoder {
    /// Text of a scalar string, number or date; booleans, empty values and collections are errors.
    mutating func string(_ node: YAMLNode, _ what: String) -> String? {
        guard let scalar = node.scalar else {
            error(node, "\(what) must be a string, got \(Self.describe(node))")
            return nil
        }
        switch scalar.resolved {
        case .null, .bool:
            error(node, "\(what) must be a string, got \(Self.describe(node))")
            return nil
        case .int, .float, .string:
            if scalar.value.isEmpty {
                error(node, "\(what) must not be empty")
                return nil
            }
            return scalar.value
        }
    }

    mutating func integer(_ node: YAMLNode, _ what: String, in range: ClosedRange<Int64>) -> Int64? {
        guard case .int(let value)? = node.scalar?.resolved else {
            error(node, "\(what) must be an integer, got \(Self.describe(node))")
            return nil
        }
        guard range.contains(value) else {
            error(node, "\(what) must be between \(range.lowerBound) and \(range.upperBound), got \(value)")
            return nil
        }
        return value
    }

    mutating func boolean(_ node: YAMLNode, _ what: String) -> Bool? {
        guard case .bool(let value)? = node.scalar?.resolved else {
            error(node, "\(what) must be true or false, got \(Self.describe(node))")
            return nil
        }
        return value
    }

    /// One of `allowed` (exact spelling), with "did you mean" for near misses.
    mutating func word(_ node: YAMLNode, _ what: String, allowed: [String]) -> String? {
        guard let text = string(node, what) else { return nil }
        guard allowed.contains(text) else {
            let valid = "valid values: \(allowed.joined(separator: ", "))"
            let fix = Suggestion.didYouMean(text, among: allowed).map { "\($0) \(valid)" } ?? valid
            error(node, "\(what) '\(text)' is not one of the accepted values", fix: fix)
            return nil
        }
        return text
    }

    /// A duration such as `90min`, `6h`, `1d`, `2w`, `1mo`.
    mutating func duration(_ node: YAMLNode, _ what: String) -> CalendarDuration? {
        let units = "write a whole number and a unit: 90min, 6h, 1d, 2w, 1mo"
        if case .int(let value)? = node.scalar?.resolved {
            error(node, "\(what) '\(value)' has no unit", fix: "\(units), e.g. '\(value)d'")
            return nil
        }
        guard let text = string(node, what) else { return nil }
        guard let duration = CalendarDuration(parsing: text) else {
            error(node, "\(what) '\(text)' is not a duration", fix: units)
            return nil
        }
        return duration
    }

    /// `auto` or a duration no longer than the API's 3-month range.
    mutating func chunk(_ node: YAMLNode, _ what: String) -> ChunkSize? {
        if node.scalar?.value == "auto" { return .auto }
        if case .string(let text)? = node.scalar?.resolved, CalendarDuration(parsing: text) == nil {
            error(
                node, "\(what) '\(text)' is neither 'auto' nor a duration",
                fix: "write 'auto' or a duration: 6h, 1d, 7d, 1mo")
            return nil
        }
        guard let duration = duration(node, what) else { return nil }
        guard Self.fitsInMaxRange(duration) else {
            error(
                node,
                "\(what) \(duration) is longer than the \(APILimits.maxRangeMonths)-month range one export may cover",
                fix: "use at most \(APILimits.maxRangeMonths)mo (or 89d)")
            return nil
        }
        return .fixed(duration)
    }

    /// Whether `duration` fits in every 3-month span (the shortest is 89 days), whatever the calendar.
    static func fitsInMaxRange(_ duration: CalendarDuration) -> Bool {
        let shortestDays = 89
        switch duration.unit {
        case .month: return duration.value <= APILimits.maxRangeMonths
        case .week: return duration.value * 7 <= shortestDays
        case .day: return duration.value <= shortestDays
        case .hour: return duration.value <= shortestDays * 24
        case .minute: return duration.value <= shortestDays * 24 * 60
        }
    }

    /// `YYYY-MM-DD`, `YYYY-MM-DDTHH:MM` or `YYYY-MM-DDTHH:MM:SS` (a space may replace the `T`), without offset.
    mutating func dateTime(_ node: YAMLNode, _ what: String, timeZone: String) -> LocalDateTime? {
        guard let text = string(node, what) else { return nil }
        let shape = "write YYYY-MM-DD or YYYY-MM-DDTHH:MM:SS"
        if let offsetStart = Self.offsetSuffix(text) {
            error(
                node, "\(what) '\(text)' has a time zone offset ('\(offsetStart)')",
                fix: "remove it: dates and times are in the spec's time zone (\(timeZone))")
            return nil
        }
        guard let value = Self.parseDateTime(text) else {
            error(node, "\(what) '\(text)' is not a date", fix: shape)
            return nil
        }
        return value
    }

    /// The offset part (`Z`, `+02:00`, `-0500`) of a date-time, if it has one.
    static func offsetSuffix(_ text: String) -> String? {
        guard text.count > 10 else { return nil }
        let time = text.dropFirst(10)
        if time.hasSuffix("Z") || time.hasSuffix("z") { return String(time.suffix(1)) }
        if let sign = time.lastIndex(where: { $0 == "+" || $0 == "-" }) { return String(time[sign...]) }
        return nil
    }

    /// Parses and checks a local date-time (the day must exist: no 2025-02-30).
    static func parseDateTime(_ text: String) -> LocalDateTime? {
        let chars = Array(text)
        func number(_ range: Range<Int>) -> Int? {
            guard range.upperBound <= chars.count, chars[range].allSatisfy({ $0.isASCII && $0.isNumber }) else {
                return nil
            }
            return Int(String(chars[range]))
        }
        guard chars.count >= 10, chars[4] == "-", chars[7] == "-", let year = number(0..<4),
            let month = number(5..<7), let day = number(8..<10), (1970...9999).contains(year), (1...12).contains(month),
            day >= 1, day <= daysIn(month: month, year: year)
        else { return nil }
        if chars.count == 10 { return LocalDateTime(year: year, month: month, day: day) }
        guard chars.count == 16 || chars.count == 19, chars[10] == "T" || chars[10] == " ", chars[13] == ":",
            let hour = number(11..<13), let minute = number(14..<16), hour < 24, minute < 60
        else { return nil }
        var second = 0
        if chars.count == 19 {
            guard chars[16] == ":", let parsed = number(17..<19), parsed < 60 else { return nil }
            second = parsed
        }
        return LocalDateTime(year: year, month: month, day: day, hour: hour, minute: minute, second: second)
    }

    static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    /// A list of integers; each element in `range`, no element twice.
    mutating func integers(_ node: YAMLNode, _ what: String, in range: ClosedRange<Int64>, item: String) -> [Int64]? {
        guard let items = node.sequence else {
            let example = node.scalar.map { "[\($0.value)]" } ?? "[175, 154]"
            error(
                node, "\(what) must be a list of integers, got \(Self.describe(node))", fix: "write a list: \(example)")
            return nil
        }
        guard !items.isEmpty else {
            error(node, "\(what) is an empty list", fix: "list at least one \(item), or remove '\(what)' to take all")
            return nil
        }
        var values: [Int64] = []
        var ok = true
        for element in items {
            guard case .int(let value)? = element.scalar?.resolved else {
                error(element, "\(what) must be a list of integers, got \(Self.describe(element)) in it")
                ok = false
                continue
            }
            guard range.contains(value) else {
                error(element, "\(item) \(value) in \(what) is outside \(range.lowerBound)…\(range.upperBound)")
                ok = false
                continue
            }
            if values.contains(value) {
                error(element, "\(item) \(value) is listed twice in \(what)", fix: "remove the second one")
                ok = false
                continue
            }
            values.append(value)
        }
        return ok ? values : nil
    }

    /// A list of strings; reports entries that are not strings or come twice and leaves them out.
    mutating func strings(_ node: YAMLNode, _ what: String) -> [(String, YAMLNode)]? {
        guard let items = node.sequence else {
            error(node, "\(what) must be a list of strings, got \(Self.describe(node))")
            return nil
        }
        guard !items.isEmpty else {
            error(node, "\(what) is an empty list", fix: "list at least one, or remove '\(what)'")
            return nil
        }
        var values: [(String, YAMLNode)] = []
        for element in items {
            guard let text = string(element, "each entry of \(what)") else { continue }
            if values.contains(where: { $0.0 == text }) {
                error(element, "'\(text)' is listed twice in \(what)", fix: "remove the second one")
                continue
            }
            values.append((text, element))
        }
        return values
    }

    /// A string with `${VAR}` references whose syntax is checked now (their values only when running).
    mutating func interpolated(_ node: YAMLNode, _ what: String) -> Interpolated? {
        guard let text = string(node, what) else { return nil }
        let value = Interpolated(raw: text, location: location(node))
        if case .failure(let failure) = Interpolated.segments(of: text) {
            var column = node.column
            if let scalar = node.scalar, !text.contains("\n") {
                switch scalar.style {
                case .plain: column += failure.offset
                case .singleQuoted, .doubleQuoted: column += failure.offset + 1
                case .literal, .folded: break
                }
            }
            diagnostics.append(
                .error(
                    at: SourceLocation(file: file, line: node.line, column: column),
                    "\(failure.message) in \(what)", fix: failure.fix))
            return nil
        }
        return value
    }

    /// An IANA time zone id known to this system.
    mutating func timeZone(_ node: YAMLNode, _ what: String) -> String? {
        guard let text = string(node, what) else { return nil }
        guard TimeZone(identifier: text) != nil else {
            let fix =
                Suggestion.didYouMean(text, among: TimeZone.knownTimeZoneIdentifiers)
                ?? "use an IANA time zone id such as UTC, Europe/Berlin or America/New_York"
            error(node, "unknown time zone '\(text)' in \(what)", fix: fix)
            return nil
        }
        return text
    }

    /// A locale; one the API does not document is a warning (the API may still take it).
    mutating func locale(_ node: YAMLNode, _ what: String) -> String? {
        guard let text = string(node, what) else { return nil }
        if !APILimits.locales.contains(text) {
            let documented = APILimits.locales.joined(separator: ", ")
            let fix = Suggestion.didYouMean(text, among: APILimits.locales).map { "\($0) " } ?? ""
            warning(
                node, "locale '\(text)' in \(what) is not one the API documents",
                fix: "\(fix)documented locales: \(documented)")
        }
        return text
    }
}

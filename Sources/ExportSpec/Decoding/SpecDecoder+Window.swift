import AnalyticsAPI
import Foundation

/// `window:` — parsing, then the checks that need a calendar: empty windows and retention.
extension SpecDecoder {
    mutating func decodeWindow(_ node: YAMLNode, keyNode: YAMLNode?, path: String, timeZone: String) -> WindowSpec? {
        guard let section = section(node, keyNode: keyNode, path: path, fields: SpecVocabulary.window) else {
            return nil
        }
        let fromNode = section.value("from")
        let lastNode = section.value("last")
        if fromNode != nil, let lastKey = section.key("last") {
            error(
                lastKey, "\(path) has both 'from' and 'last'",
                fix: "give either 'from' (a date) or 'last' (a duration before 'to'), not both")
            return nil
        }
        var start: WindowSpec.Start?
        if let fromNode {
            start = dateTime(fromNode, "\(path).from", timeZone: timeZone).map(WindowSpec.Start.at)
        } else if let lastNode {
            start = duration(lastNode, "\(path).last").map(WindowSpec.Start.last)
        } else {
            error(
                section.anchor, "\(path) needs 'from' or 'last'",
                fix: "write e.g. '{ from: 2025-06-01, to: 2025-09-01 }' or '{ last: 30d }'")
            return nil
        }
        var end = WindowSpec.End.today
        if let toNode = section.value("to") {
            switch toNode.scalar?.value {
            case "today": end = .today
            case "now": end = .now
            default:
                // A word (not something date-like) gets the words `to` takes.
                if case .string(let text)? = toNode.scalar?.resolved, !(text.first?.isNumber ?? false) {
                    let hint = Suggestion.didYouMean(text, among: ["today", "now"]).map { "\($0) " } ?? ""
                    error(
                        toNode, "\(path).to '\(text)' is not a date, 'today' or 'now'",
                        fix: "\(hint)write YYYY-MM-DD, YYYY-MM-DDTHH:MM:SS, 'today' or 'now'")
                    return nil
                }
                guard let at = dateTime(toNode, "\(path).to", timeZone: timeZone) else { return nil }
                end = .at(at)
            }
        }
        guard let start else { return nil }
        let window = WindowSpec(start: start, end: end, location: location(section.anchor))
        checkWindow(window, startNode: fromNode ?? lastNode ?? section.anchor, path: path, timeZone: timeZone)
        return window
    }

    /// How the window reads in messages: "2025-06-01 to 2025-09-01", "the last 30d to today".
    static func describe(_ window: WindowSpec) -> String {
        let end: String =
            switch window.end {
            case .at(let local): local.description
            case .today: "today"
            case .now: "now"
            }
        switch window.start {
        case .at(let local): return "\(local) to \(end)"
        case .last(let duration): return "the last \(duration) to \(end)"
        }
    }

    /// An empty window is an error; one that starts before the retention limit is a warning.
    private mutating func checkWindow(
        _ window: WindowSpec, startNode: YAMLNode, path: String, timeZone: String
    ) {
        guard let zone = TimeZone(identifier: timeZone),
            let (start, end) = window.resolvedInterval(now: now, timeZone: zone)
        else { return }
        if start >= end {
            let anchor = startNode
            switch (window.start, window.end) {
            case (.at(let from), .at(let to)):
                error(
                    anchor, "\(path) is empty: 'from' (\(from)) is not before 'to' (\(to))",
                    fix: "the window is half-open [from, to); make 'from' earlier than 'to'")
            default:
                let today = LocalDateTime(now, in: zone)
                error(
                    anchor,
                    "\(path) is empty: \(Self.describe(window)) ends before it starts (today is \(today.description.prefix(10)))",
                    fix: "move 'from' into the past or give a later 'to'")
            }
            return
        }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        guard
            let retained = calendar.date(
                byAdding: .month, value: -APILimits.retentionMonths, to: calendar.startOfDay(for: now))
        else { return }
        if start < retained {
            let boundary = LocalDateTime(retained, in: zone)
            warning(
                startNode,
                "\(path) (\(Self.describe(window))) reaches back before \(boundary), past the API's \(APILimits.retentionMonths)-month retention; that part exports no rows",
                fix: "start the window on or after \(boundary)")
        }
    }

    /// Whether `window`, resolved now, is longer than the API's 3-month range. A `last:` window is judged by its
    /// duration alone (at most 3mo or 89d), so the answer does not change with the date.
    func exceedsMaxRange(_ window: WindowSpec, timeZone: String) -> Bool {
        if case .last(let duration) = window.start { return !Self.fitsInMaxRange(duration) }
        guard let zone = TimeZone(identifier: timeZone),
            let (start, end) = window.resolvedInterval(now: now, timeZone: zone)
        else { return false }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        guard let limit = calendar.date(byAdding: .month, value: APILimits.maxRangeMonths, to: start) else {
            return false
        }
        return end > limit
    }
}

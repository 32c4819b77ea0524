import AnalyticsAPI
import Foundation

/// `exports:` — each export checked against the catalog entry of its type.
extension SpecDecoder {
    mutating func decodeExports(_ node: YAMLNode, defaults: Defaults, window: WindowSpec?) -> [ExportEntry] {
        guard let items = node.sequence else {
            error(
                node, "exports must be a list, got \(Self.describe(node))", fix: "write '- name: …' entries with a type"
            )
            return []
        }
        guard !items.isEmpty else {
            error(node, "exports is an empty list", fix: "add at least one export with a name and a type")
            return []
        }
        var exports: [ExportEntry] = []
        var names: [String: YAMLNode] = [:]
        for (index, item) in items.enumerated() {
            // Names are compared as written, so a duplicate is reported even when the export has other errors.
            if let nameNode = item["name"], let name = nameNode.scalar?.value, !name.isEmpty {
                if let first = names[name] {
                    error(
                        nameNode,
                        "export name '\(name)' is used twice (first at line \(first.line), column \(first.column))",
                        fix: "each export writes <output.dir>/<name>.csv; give it a unique name")
                } else {
                    names[name] = nameNode
                }
            }
            if let entry = decodeExport(item, path: "exports[\(index)]", defaults: defaults, window: window) {
                exports.append(entry)
            }
        }
        return exports
    }

    private mutating func decodeExport(
        _ node: YAMLNode, path: String, defaults: Defaults, window pipelineWindow: WindowSpec?
    )
        -> ExportEntry?
    {
        guard let section = section(node, keyNode: nil, path: path, fields: SpecVocabulary.export) else { return nil }
        var ok = true

        var name: String?
        if let value = section.value("name"), let text = string(value, "\(path).name") {
            if Self.isValidExportName(text) {
                name = text
            } else {
                error(
                    value, "export name '\(text)' cannot be a file name",
                    fix: "use letters, digits, '.', '_' and '-', starting with a letter or digit")
            }
        } else if section.value("name") == nil {
            missing("name", in: section, fix: "give it a unique name; the output is <output.dir>/<name>.csv")
        }

        var type: ExportType?
        if let value = section.value("type"), let text = string(value, "\(path).type") {
            type = ExportType(rawValue: text)
            if type == nil {
                let valid = "valid types: \(ExportType.allIDs.joined(separator: ", "))"
                let fix = Suggestion.didYouMean(text, among: ExportType.allIDs).map { "\($0) \(valid)" } ?? valid
                error(value, "unknown export type '\(text)'", fix: fix)
            }
        } else if section.value("type") == nil {
            missing("type", in: section, fix: "valid types: \(ExportType.allIDs.joined(separator: ", "))")
        }
        let descriptor = type.map(ExportCatalog.descriptor(for:))
        let typeText = type.map { "type '\($0.rawValue)'" } ?? ""

        var timezone: String?
        if let value = section.value("timezone") {
            timezone = timeZone(value, "\(path).timezone")
            if timezone == nil { ok = false }
        }
        var locale: String?
        if let value = section.value("locale") { locale = self.locale(value, "\(path).locale") }
        let effectiveZone = timezone ?? defaults.timezone

        // Filters: each must be one the type takes.
        var selection = ExportSelection()
        if let filtersNode = section.value("filters"),
            let filters = self.section(
                filtersNode, keyNode: section.key("filters"), path: "\(path).filters", fields: SpecVocabulary.filters)
        {
            for kind in FilterKind.allCases {
                guard let pair = filters.entries[kind.rawValue] else { continue }
                if let descriptor, descriptor.filters[kind] == nil {
                    error(
                        pair.key, "\(typeText) does not take filter '\(kind.rawValue)'",
                        fix: Self.takes(
                            descriptor.filters.keys.sorted().map(\.rawValue), what: "filters", type: typeText))
                    ok = false
                    continue
                }
                let range: ClosedRange<Int64> = kind == .priorities ? 0...5 : 1...Int64.max
                let item = SpecVocabulary.singular(kind).replacingOccurrences(of: "_", with: " ")
                if let values = integers(pair.value, "\(path).filters.\(kind.rawValue)", in: range, item: item) {
                    selection.filters[kind] = values
                } else {
                    ok = false
                }
            }
        }

        // split_by: a filter the type takes, with values to split by.
        var splitBy: FilterKind?
        if let value = section.value("split_by"), let text = string(value, "\(path).split_by") {
            let names = ["agent", "priority", "smart_view", "team", "workqueue"]
            if let kind = SpecVocabulary.splitByNames[text] {
                if let descriptor, descriptor.filters[kind] == nil {
                    error(
                        value, "\(path).split_by '\(text)': \(typeText) does not take filter '\(kind.rawValue)'",
                        fix: Self.takes(
                            descriptor.filters.keys.sorted().map { SpecVocabulary.singular($0) }, what: "filters",
                            type: typeText))
                } else if selection.filters[kind]?.isEmpty ?? true {
                    if section.value("filters")?.mapping?.contains(where: { $0.key.scalar?.value == kind.rawValue })
                        != true
                    {
                        error(
                            value, "\(path).split_by '\(text)' has no values to split by",
                            fix: "list them in filters, e.g. 'filters: { \(kind.rawValue): [175, 154] }'")
                    }
                } else {
                    splitBy = kind
                }
            } else {
                let fix = Suggestion.didYouMean(text, among: names).map { "\($0) " } ?? ""
                error(
                    value, "\(path).split_by '\(text)' is not a filter",
                    fix: "\(fix)split_by takes: \(names.joined(separator: ", "))")
            }
        }
        if let views = selection.filters[.smartViews], views.count > 1, splitBy != .smartViews,
            let node = section.value("filters")?["smart_views"]
        {
            error(
                node, "\(path).filters.smart_views lists \(views.count) smart views, but the API takes one per export",
                fix: "add 'split_by: smart_view' to run one job per smart view, or keep one")
        }

        // Options: only those the type takes, each with its own value check.
        for kind in OptionKind.allCases {
            guard let pair = section.entries[kind.rawValue] else { continue }
            if let descriptor, !descriptor.options.contains(kind) {
                error(
                    pair.key, "\(typeText) does not take option '\(kind.rawValue)'",
                    fix: Self.takes(descriptor.options.sorted().map(\.rawValue), what: "options", type: typeText))
                ok = false
                continue
            }
            if !decodeOption(kind, pair.value, path: path, descriptor: descriptor, into: &selection) { ok = false }
        }
        if let descriptor, let typeNode = section.value("type") {
            for required in descriptor.requiredOptions.sorted() where section.entries[required.rawValue] == nil {
                let example = required == .timeInterval ? " (the bucket size, e.g. 'time_interval: 1h')" : ""
                error(
                    typeNode, "\(typeText) needs '\(required.rawValue)'\(example)",
                    fix: "add '\(required.rawValue):' to \(path)")
                ok = false
            }
        }

        var chunk: ChunkSize?
        if let value = section.value("chunk") {
            chunk = self.chunk(value, "\(path).chunk")
            if chunk == nil { ok = false }
        }
        // Window errors name the export (`export 'responses' window is empty`), not its index in the list.
        let label = name.map { "export '\($0)'" } ?? path
        var window: WindowSpec?
        if let value = section.value("window") {
            window = decodeWindow(
                value, keyNode: section.key("window"), path: name == nil ? "\(path).window" : "\(label) window",
                timeZone: effectiveZone)
            if window == nil { ok = false }
        }
        var keepCombined = false
        if let value = section.value("keep_combined"), let flag = boolean(value, "\(path).keep_combined") {
            if let type, type != .combined {
                error(
                    section.key("keep_combined") ?? value,
                    "keep_combined only applies to type 'combined', not '\(type.rawValue)'",
                    fix: "remove it")
                ok = false
            }
            keepCombined = flag
        }
        var expectedRows: Int?
        if let value = section.value("expected_rows_per_day") {
            expectedRows = integer(value, "\(path).expected_rows_per_day", in: 1...1_000_000_000).map(Int.init)
        }

        var merge: MergeColumns?
        if let value = section.value("merge") {
            merge = decodeMerge(value, keyNode: section.key("merge"), path: "\(path).merge")
            if merge == nil { ok = false }
        }

        // Exports whose rows depend on the whole window cannot be cut by time.
        if let type, let descriptor, let typeNode = section.value("type") {
            checkUnsplittable(
                type: type, descriptor: descriptor, selection: selection,
                chunk: chunk, chunkNode: section.value("chunk"),
                window: window ?? pipelineWindow, ownWindow: window != nil, typeNode: typeNode, path: label,
                timeZone: effectiveZone)
        }

        guard ok, let name, let type else { return nil }
        let entry = ExportEntry(
            name: name, type: type, selection: selection, splitBy: splitBy, chunk: chunk, window: window,
            keepCombined: keepCombined, expectedRowsPerDay: expectedRows, locale: locale, timezone: timezone,
            merge: merge, location: location(node))
        return entry
    }

    /// `merge: { time_column: …, id_column: …, key: [...] }`: header names, each a non-empty string.
    private mutating func decodeMerge(_ node: YAMLNode, keyNode: YAMLNode?, path: String) -> MergeColumns? {
        guard let section = section(node, keyNode: keyNode, path: path, fields: SpecVocabulary.merge) else {
            return nil
        }
        var ok = true
        var merge = MergeColumns()
        func name(_ key: String) -> String? {
            guard let value = section.value(key) else { return nil }
            guard let text = string(value, "\(path).\(key)") else {
                ok = false
                return nil
            }
            guard !text.trimmingCharacters(in: .whitespaces).isEmpty else {
                // (`string` already reports an empty value; this catches one of blanks only.)
                error(value, "\(path).\(key) is empty", fix: "write the column's name as the CSV header has it")
                ok = false
                return nil
            }
            return text
        }
        merge.timeColumn = name("time_column")
        merge.idColumn = name("id_column")
        if let value = section.value("key") {
            if let names = strings(value, "\(path).key") {
                merge.key = names.map(\.0)
            } else {
                ok = false
            }
        }
        if node.mapping?.isEmpty == true {
            error(
                node, "\(path) names no column",
                fix: "set time_column, id_column or key, or remove '\(path)'")
            ok = false
        }
        return ok ? merge : nil
    }

    static func isValidExportName(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first, first.isASCII,
            first.properties.isAlphabetic || ("0"..."9").contains(first)
        else { return false }
        return name.unicodeScalars.allSatisfy {
            $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || "._-".unicodeScalars.contains($0))
        } && name.count <= 100
    }

    /// "type 'x' takes: a, b" or "type 'x' takes no filters".
    static func takes(_ names: [String], what: String, type: String) -> String {
        names.isEmpty ? "\(type) takes no \(what)" : "\(type) takes: \(names.joined(separator: ", "))"
    }

    /// Decodes one option into `selection`; false when it is wrong.
    private mutating func decodeOption(
        _ kind: OptionKind, _ node: YAMLNode, path: String, descriptor: ExportDescriptor?,
        into selection: inout ExportSelection
    ) -> Bool {
        let what = "\(path).\(kind.rawValue)"
        switch kind {
        case .conversationReportType:
            guard let word = word(node, what, allowed: ConversationReportType.allCases.map(\.rawValue)) else {
                return false
            }
            selection.conversationReportType = ConversationReportType(rawValue: word)
        case .timeInterval:
            guard let millis = timeInterval(node, what) else { return false }
            selection.timeIntervalMillis = millis
        case .includeDisabled:
            guard let flag = boolean(node, what) else { return false }
            selection.includeDisabled = flag
        case .raiseLimit:
            guard let flag = boolean(node, what) else { return false }
            selection.raiseLimit = flag
        case .businessHours:
            guard let word = word(node, what, allowed: BusinessHours.allCases.map(\.rawValue)) else { return false }
            selection.businessHours = BusinessHours(rawValue: word)
        case .columns:
            guard let columns = strings(node, what) else { return false }
            var ok = true
            if let descriptor {
                for (column, element) in columns where !descriptor.columns.contains(column) {
                    let valid =
                        "type '\(descriptor.type.rawValue)' has columns: \(descriptor.columns.joined(separator: ", "))"
                    let fix = Suggestion.didYouMean(column, among: descriptor.columns).map { "\($0) \(valid)" } ?? valid
                    error(element, "unknown column '\(column)' for type '\(descriptor.type.rawValue)'", fix: fix)
                    ok = false
                }
            }
            selection.columns = columns.map(\.0)
            return ok
        }
        return true
    }

    /// `time_interval`: milliseconds or a duration, one of the documented values.
    private mutating func timeInterval(_ node: YAMLNode, _ what: String) -> Int64? {
        let valid = SpecVocabulary.timeIntervals.map(\.name).joined(separator: ", ")
        let fix = "use one of \(valid) (or the same in milliseconds)"
        if case .int(let millis)? = node.scalar?.resolved {
            guard APILimits.timeIntervalsMillis.contains(millis) else {
                error(node, "\(what) \(millis) ms is not an interval the API accepts", fix: fix)
                return nil
            }
            return millis
        }
        guard let text = string(node, what) else { return nil }
        if let match = SpecVocabulary.timeIntervals.first(where: { $0.name == text }) { return match.millis }
        if let duration = CalendarDuration(parsing: text),
            let millis = Self.millis(duration),
            let match = SpecVocabulary.timeIntervals.first(where: { $0.millis == millis })
        {
            return match.millis
        }
        if CalendarDuration(parsing: text) == nil {
            error(node, "\(what) '\(text)' is not a duration", fix: fix)
        } else {
            error(node, "\(what) '\(text)' is not an interval the API accepts", fix: fix)
        }
        return nil
    }

    private static func millis(_ duration: CalendarDuration) -> Int64? {
        let value = Int64(duration.value)
        switch duration.unit {
        case .minute: return value * 60_000
        case .hour: return value * 3_600_000
        case .day: return value * 86_400_000
        case .week: return value * 604_800_000
        case .month: return nil
        }
    }

    /// Aggregate exports and OPEN_AT_END conversation snapshots: no time chunks, and a window of at most 3 months.
    private mutating func checkUnsplittable(
        type: ExportType, descriptor: ExportDescriptor, selection: ExportSelection, chunk: ChunkSize?,
        chunkNode: YAMLNode?,
        window: WindowSpec?, ownWindow: Bool, typeNode: YAMLNode, path: String, timeZone: String
    ) {
        let why: String
        if descriptor.rowModel == .aggregate {
            why = "type '\(type.rawValue)' totals each row over the whole window"
        } else if type == .conversation, (selection.conversationReportType ?? .openAtEnd) == .openAtEnd {
            why =
                "a conversation export with conversation_report_type OPEN_AT_END (the API's default) is a snapshot at the window's end"
        } else {
            return
        }
        if case .fixed? = chunk, let chunkNode {
            error(
                chunkNode, "\(path) cannot be chunked by time: \(why), so splitting it would change its numbers",
                fix: "remove 'chunk' (it runs as one job per filter value)")
        }
        guard let window, exceedsMaxRange(window, timeZone: timeZone) else { return }
        let fix =
            type == .conversation
            ? "set 'conversation_report_type: CLOSED' or 'CREATED' (these split by time), or give \(path) a 'window' of at most \(APILimits.maxRangeMonths) months"
            : "give \(path) its own 'window' of at most \(APILimits.maxRangeMonths) months (e.g. 'window: { last: 3mo }')"
        let whose = ownWindow ? "its window" : "the pipeline window"
        error(
            typeNode,
            "\(path) covers \(Self.describe(window)) (\(whose)), longer than the API's \(APILimits.maxRangeMonths)-month range, and cannot be split by time: \(why)",
            fix: fix)
    }
}

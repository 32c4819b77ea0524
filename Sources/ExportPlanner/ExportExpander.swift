import AnalyticsAPI
import ExportSpec

/// The `combined` rewrite and the fan-out of filter values.
enum ExportExpander {
    /// The exports an entry plans as: itself, or for `combined` (unless `keep_combined`) its three replacements.
    static func templates(for entry: ExportEntry) -> (templates: [ExportTemplate], diagnostics: [Diagnostic]) {
        guard entry.type == .combined else {
            return ([ExportTemplate(entry: entry, type: entry.type, selection: entry.selection)], [])
        }
        guard !entry.keepCombined else {
            var template = ExportTemplate(entry: entry, type: entry.type, selection: entry.selection)
            template.notes.append(
                "kept as one combined export (keep_combined: true); the vendor advises incoming_post + response + "
                    + "conversation for speed")
            return ([template], [])
        }
        let parts = ExportCatalog.combinedReplacement
        let partNames = parts.map { "\(entry.name).\($0.rawValue)" }
        let totalDefault = parts.reduce(0) { $0 + ExportCatalog.descriptor(for: $1).defaultRowsPerDay }
        var diagnostics: [Diagnostic] = []
        if !entry.selection.columns.isEmpty {
            diagnostics.append(
                .warning(
                    at: entry.location,
                    "columns of combined export '\(entry.name)' are not carried over to \(partNames.joined(separator: ", ")): "
                        + "their columns differ",
                    fix: "set keep_combined: true to keep the combined export and its columns"))
        }
        var templates: [ExportTemplate] = []
        for (type, name) in zip(parts, partNames) {
            let descriptor = ExportCatalog.descriptor(for: type)
            var selection = ExportSelection()
            selection.filters = entry.selection.filters.filter { descriptor.filters[$0.key] != nil }
            for kind in entry.selection.filters.keys.sorted() where descriptor.filters[kind] == nil {
                diagnostics.append(
                    .warning(
                        at: entry.location,
                        "filters.\(kind.rawValue) of '\(entry.name)' is not carried over to \(name): "
                            + "\(type.rawValue) does not take it"))
            }
            if descriptor.options.contains(.businessHours) { selection.businessHours = entry.selection.businessHours }
            var notes = ["from combined export '\(entry.name)', planned as \(partNames.joined(separator: " + "))"]
            if type == .conversation {
                // OPEN_AT_END (the API's default) is a snapshot and cannot be split by time; the conversations a
                // combined export lists are the ones created in the window.
                selection.conversationReportType = .created
                notes.append("conversation_report_type: CREATED (conversations created in each window)")
            }
            var template = ExportTemplate(entry: entry, type: type, selection: selection)
            template.name = name
            template.rewritten = true
            template.volumeShare = Double(descriptor.defaultRowsPerDay) / Double(max(1, totalDefault))
            template.notes = notes
            templates.append(template)
        }
        return (templates, diagnostics)
    }

    /// The fan-out axes of a template: `split_by` first, then every single-value filter given several values.
    /// Each axis is one filter with its distinct values (in the spec's order) and the reason it fans out.
    static func fanOutAxes(
        for template: ExportTemplate
    ) -> (axes: [(kind: FilterKind, values: [Int64], reason: SplitReason)], diagnostics: [Diagnostic]) {
        let entry = template.entry
        let descriptor = ExportCatalog.descriptor(for: template.type)
        var diagnostics: [Diagnostic] = []
        var axes: [(kind: FilterKind, values: [Int64], reason: SplitReason)] = []
        func distinct(_ kind: FilterKind) -> [Int64] {
            var seen = Set<Int64>()
            var values: [Int64] = []
            for value in template.selection.filters[kind] ?? [] where seen.insert(value).inserted {
                values.append(value)
            }
            if values.count < (template.selection.filters[kind]?.count ?? 0) {
                diagnostics.append(
                    .warning(
                        at: entry.location,
                        "filters.\(kind.rawValue) of '\(template.name)' lists a value more than once; each value is "
                            + "planned once"))
            }
            return values
        }
        if !template.rewritten {
            for kind in template.selection.filters.keys.sorted() where descriptor.filters[kind] == nil {
                diagnostics.append(
                    .warning(
                        at: entry.location,
                        "filters.\(kind.rawValue) is not a filter of \(template.type.rawValue): it is not sent",
                        fix: "remove it from export '\(entry.name)'"))
            }
        }
        if let kind = entry.splitBy {
            guard descriptor.filters[kind] != nil else {
                let accepted = descriptor.filters.keys.sorted().map(\.singularName)
                diagnostics.append(
                    .error(
                        at: entry.location,
                        "split_by: \(kind.singularName) is not possible for \(template.type.rawValue): it takes no "
                            + "\(kind.singularName) filter",
                        fix: accepted.isEmpty
                            ? "remove split_by" : "split by one of: \(accepted.joined(separator: ", "))"))
                return ([], diagnostics)
            }
            let values = distinct(kind)
            guard !values.isEmpty else {
                diagnostics.append(
                    .error(
                        at: entry.location,
                        "split_by: \(kind.singularName) needs the values to split on, and export '\(entry.name)' "
                            + "lists none",
                        fix: "list them under filters.\(kind.rawValue)"))
                return ([], diagnostics)
            }
            axes.append((kind, values, .splitBy(kind)))
        }
        for kind in FilterKind.allCases.sorted() where kind != entry.splitBy {
            guard descriptor.filters[kind]?.encoding == .single else { continue }
            let values = distinct(kind)
            if values.count > 1 { axes.append((kind, values, .singleValueFilter(kind))) }
        }
        return (axes, diagnostics)
    }

    /// Every combination of one value per axis, in axis order (the first axis varies slowest).
    static func combinations(_ axes: [(kind: FilterKind, values: [Int64], reason: SplitReason)]) -> [[FanOutValue]] {
        var result: [[FanOutValue]] = [[]]
        for axis in axes {
            var next: [[FanOutValue]] = []
            next.reserveCapacity(result.count * axis.values.count)
            for prefix in result {
                for value in axis.values { next.append(prefix + [FanOutValue(filter: axis.kind, value: value)]) }
            }
            result = next
        }
        return result
    }
}

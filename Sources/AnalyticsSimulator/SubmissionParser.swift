import AnalyticsAPI
import ExportBasics
import Foundation

/// A submit request after its parameters were checked against the catalog.
struct ParsedSubmission: Sendable {
    var request: ExportRequest
    var options: ExportRenderOptions
    /// The window is longer than the documented 3 calendar months.
    var overRange: Bool
}

/// A parameter problem, answered with HTTP 400 and this text.
struct SubmissionError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// Checks a submit's parameters as the catalog says: names, encodings, values and the window.
enum SubmissionParser {
    static let commonParameters: Set<String> = [
        "companyKey", "startTime", "endTime", "reportFormat", "locale", "timezone", "timezoneOffset", "reportMetrics",
    ]

    static func parse(export: String, items: [QueryItem], inclusiveEnd: Bool) throws -> ParsedSubmission {
        guard let type = ExportType(rawValue: export) else {
            throw SubmissionError(
                "Unknown export '\(export)'. Valid types are: \(ExportType.allIDs.joined(separator: ", ")).")
        }
        let descriptor = ExportCatalog.descriptor(for: type)
        var values: [String: [String]] = [:]
        var order: [String] = []
        for item in items {
            if values[item.name] == nil { order.append(item.name) }
            values[item.name, default: []].append(item.value)
        }
        var known = commonParameters
        var repeatable: Set<String> = ["reportMetrics"]
        for (_, wire) in descriptor.filters {
            known.insert(wire.name)
            if wire.encoding == .repeated { repeatable.insert(wire.name) }
        }
        for option in descriptor.options {
            switch option {
            case .conversationReportType: known.insert("conversationReportType")
            case .timeInterval: known.insert("timeInterval")
            case .includeDisabled: known.insert("includeDisabled")
            case .raiseLimit: known.insert("raiselimit")
            case .businessHours: known.formUnion(["enableBusinessHour", "businessHourType"])
            case .columns: break
            }
        }
        for name in order {
            // Official samples pass timeInterval to exports that ignore it; so do we.
            if name == "timeInterval" && !known.contains(name) { continue }
            guard known.contains(name) else {
                throw SubmissionError(
                    "Unknown parameter '\(name)' for export \(type.rawValue). Valid parameters are: "
                        + known.sorted().joined(separator: ", ") + ".")
            }
            if let list = values[name], list.count > 1, !repeatable.contains(name) {
                if name == "smartViewId" { throw SubmissionError("Only one smart view ID can be passed.") }
                throw SubmissionError("Parameter '\(name)' was given \(list.count) times; give it once.")
            }
        }
        func single(_ name: String) -> String? { values[name]?.first }

        guard let startText = single("startTime"), let endText = single("endTime") else {
            throw SubmissionError("startTime and endTime are required, in epoch milliseconds.")
        }
        guard let start = Int64(startText), let end = Int64(endText), start >= 0, end >= 0 else {
            throw SubmissionError("startTime and endTime must be epoch milliseconds (whole numbers).")
        }
        guard start < end else {
            throw SubmissionError("startTime (\(start)) must be before endTime (\(end)).")
        }
        let overRange = end > addingMonths(APILimits.maxRangeMonths, to: start)

        var options = ExportRenderOptions(format: .json, inclusiveEndTime: inclusiveEnd)
        if let format = single("reportFormat") {
            guard let parsed = ReportFormat(rawValue: format.lowercased()) else {
                throw SubmissionError("reportFormat must be csv or json, not '\(format)'.")
            }
            options.format = parsed
        }
        if let locale = single("locale"), !APILimits.locales.contains(locale) {
            throw SubmissionError(
                "Unsupported locale '\(locale)'. Use one of: \(APILimits.locales.joined(separator: ", ")).")
        }
        let timezone = single("timezone")
        if let timezone, TimeZone(identifier: timezone) == nil {
            throw SubmissionError("Unknown timezone '\(timezone)'. Valid ids come from /api/public/config/timezones.")
        }
        if let offsetText = single("timezoneOffset") {
            guard let offset = Int64(offsetText), abs(offset) <= 18 * 3_600_000, offset % 60_000 == 0 else {
                throw SubmissionError(
                    "timezoneOffset must be a whole number of minutes in milliseconds within ±18 h, e.g. -18000000.")
            }
            options.timezoneOffsetMillis = offset
        }

        var selection = ExportSelection()
        for (kind, wire) in descriptor.filters {
            guard let raw = values[wire.name] else { continue }
            var ids: [Int64] = []
            let pieces: [String]
            switch wire.encoding {
            case .commaList:
                pieces = raw[0].split(separator: ",", omittingEmptySubsequences: false).map {
                    $0.trimmingCharacters(in: .whitespaces)
                }
            case .repeated, .scalar:
                pieces = raw
            case .single:
                if raw[0].contains(",") { throw SubmissionError("Only one smart view ID can be passed.") }
                pieces = raw
            }
            for piece in pieces {
                guard let id = Int64(piece), id >= 0 else {
                    throw SubmissionError(
                        "\(wire.name) must be \(describe(wire.encoding)) of ids, not '\(raw.joined(separator: "&"))'.")
                }
                if kind == .priorities && !(0...5).contains(id) {
                    throw SubmissionError("priorities must be values 0–5, not \(id).")
                }
                ids.append(id)
            }
            selection.filters[kind] = ids
        }
        if let value = single("conversationReportType") {
            guard let parsed = ConversationReportType(rawValue: value) else {
                throw SubmissionError("conversationReportType must be OPEN_AT_END, CLOSED or CREATED, not '\(value)'.")
            }
            selection.conversationReportType = parsed
        }
        if descriptor.options.contains(.includeDisabled), let value = single("includeDisabled") {
            selection.includeDisabled = try boolean("includeDisabled", value)
        }
        if descriptor.options.contains(.raiseLimit), let value = single("raiselimit") {
            selection.raiseLimit = try boolean("raiselimit", value)
        }
        if descriptor.options.contains(.businessHours) {
            let enable = try single("enableBusinessHour").map { try boolean("enableBusinessHour", $0) } ?? false
            let type = try single("businessHourType").map { try boolean("businessHourType", $0) }
            if type != nil && !enable {
                throw SubmissionError("enableBusinessHour must be true when businessHourType is given.")
            }
            if enable, let type { selection.businessHours = type ? .within : .outside }
        }
        if descriptor.options.contains(.timeInterval) {
            guard let text = single("timeInterval") else {
                throw SubmissionError("timeInterval is required for \(type.rawValue), in milliseconds.")
            }
            guard let interval = Int64(text), interval > 0 else {
                throw SubmissionError("timeInterval must be milliseconds, not '\(text)'.")
            }
            if interval <= APILimits.oneWeekMillis && !APILimits.timeIntervalsMillis.contains(interval) {
                throw SubmissionError(
                    "Unable to hydrate filter for export info: invalid timeInterval \(interval). Valid values are "
                        + APILimits.timeIntervalsMillis.map(String.init).joined(separator: ", ")
                        + ", or above one week for monthly buckets.")
            }
            let buckets = ExportDataGenerator.intervalBuckets(
                startTime: start, endTime: end, intervalMillis: interval, inclusiveEnd: inclusiveEnd
            ).count
            if buckets > APILimits.maxIntervalBuckets {
                throw SubmissionError(
                    "Unable to hydrate filter for export info: "
                        + "com.lithium.socialweb.analytics.webapp.models.filter.HydrationException: "
                        + "Too many buckets (\(buckets)) requested. Select a larger interval?")
            }
            selection.timeIntervalMillis = interval
        }
        if let metrics = values["reportMetrics"] {
            var seen = Set<String>()
            for metric in metrics {
                guard descriptor.columns.contains(metric) else {
                    throw SubmissionError(
                        "Unknown reportMetrics column '\(metric)' for \(type.rawValue). Valid columns are: "
                            + descriptor.columns.joined(separator: ", ") + ".")
                }
                guard seen.insert(metric).inserted else {
                    throw SubmissionError("reportMetrics column '\(metric)' was given twice.")
                }
            }
            selection.columns = metrics
        }
        let request = ExportRequest(
            type: type, startTime: start, endTime: end, selection: selection, locale: single("locale"),
            timezone: timezone)
        return ParsedSubmission(request: request, options: options, overRange: overRange)
    }

    private static func boolean(_ name: String, _ value: String) throws -> Bool {
        switch value.lowercased() {
        case "true": return true
        case "false": return false
        default: throw SubmissionError("\(name) must be true or false, not '\(value)'.")
        }
    }

    private static func describe(_ encoding: ParameterEncoding) -> String {
        switch encoding {
        case .commaList: "a comma-separated list"
        case .repeated: "one value per repeated parameter"
        case .single, .scalar: "a single value"
        }
    }

    /// `millis` plus `months` calendar months (UTC), the day clamped to the target month's length.
    static func addingMonths(_ months: Int, to millis: Int64) -> Int64 {
        LocalDateTimeParts(localMillis: millis).addingMonths(months).localMillis
    }
}

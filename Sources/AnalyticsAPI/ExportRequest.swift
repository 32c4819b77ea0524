/// One query parameter as it will be sent, before percent-encoding.
public struct QueryItem: Sendable, Hashable, Codable {
    public var name: String
    public var value: String

    public init(_ name: String, _ value: String) {
        self.name = name
        self.value = value
    }
}

/// The filters and options of one export job, in the spec's vocabulary, ready to be encoded for the wire.
public struct ExportSelection: Sendable, Hashable, Codable {
    /// Filter values by kind. Values are kept in the order given; encoding sorts nothing.
    public var filters: [FilterKind: [Int64]]
    public var conversationReportType: ConversationReportType?
    public var timeIntervalMillis: Int64?
    public var includeDisabled: Bool?
    public var raiseLimit: Bool?
    public var businessHours: BusinessHours?
    /// `reportMetrics` column ids.
    public var columns: [String]

    public init(
        filters: [FilterKind: [Int64]] = [:], conversationReportType: ConversationReportType? = nil,
        timeIntervalMillis: Int64? = nil, includeDisabled: Bool? = nil, raiseLimit: Bool? = nil,
        businessHours: BusinessHours? = nil, columns: [String] = []
    ) {
        self.filters = filters
        self.conversationReportType = conversationReportType
        self.timeIntervalMillis = timeIntervalMillis
        self.includeDisabled = includeDisabled
        self.raiseLimit = raiseLimit
        self.businessHours = businessHours
        self.columns = columns
    }
}

/// One export job as the API receives it: a type, a half-open window in epoch milliseconds, and parameters.
public struct ExportRequest: Sendable, Hashable, Codable {
    public var type: ExportType
    /// Inclusive start, epoch milliseconds.
    public var startTime: Int64
    /// Exclusive end, epoch milliseconds.
    public var endTime: Int64
    public var selection: ExportSelection
    /// `locale`, e.g. `en`.
    public var locale: String?
    /// `timezone`, an IANA id such as `America/New_York`.
    public var timezone: String?

    public init(
        type: ExportType, startTime: Int64, endTime: Int64, selection: ExportSelection = ExportSelection(),
        locale: String? = nil, timezone: String? = nil
    ) {
        self.type = type
        self.startTime = startTime
        self.endTime = endTime
        self.selection = selection
        self.locale = locale
        self.timezone = timezone
    }

    /// The parameters exactly as sent (without `companyKey`, which the client adds), in a fixed order:
    /// times, format, locale/timezone, filters by name, options by name.
    ///
    /// Lists are encoded as the catalog says: comma lists as one item, repeated parameters as one item per value.
    public var queryItems: [QueryItem] {
        let descriptor = ExportCatalog.descriptor(for: type)
        var items = [
            QueryItem("startTime", String(startTime)),
            QueryItem("endTime", String(endTime)),
            QueryItem("reportFormat", "csv"),
        ]
        if let locale { items.append(QueryItem("locale", locale)) }
        if let timezone { items.append(QueryItem("timezone", timezone)) }
        for kind in selection.filters.keys.sorted() {
            guard let values = selection.filters[kind], !values.isEmpty, let wire = descriptor.filters[kind] else {
                continue
            }
            switch wire.encoding {
            case .commaList:
                items.append(QueryItem(wire.name, values.map(String.init).joined(separator: ",")))
            case .repeated:
                items.append(contentsOf: values.map { QueryItem(wire.name, String($0)) })
            case .single, .scalar:
                items.append(QueryItem(wire.name, String(values[0])))
            }
        }
        if let value = selection.conversationReportType {
            items.append(QueryItem("conversationReportType", value.rawValue))
        }
        if let value = selection.timeIntervalMillis { items.append(QueryItem("timeInterval", String(value))) }
        if let value = selection.includeDisabled { items.append(QueryItem("includeDisabled", String(value))) }
        if let value = selection.raiseLimit { items.append(QueryItem("raiselimit", String(value))) }
        switch selection.businessHours {
        case .within?:
            items.append(QueryItem("enableBusinessHour", "true"))
            items.append(QueryItem("businessHourType", "true"))
        case .outside?:
            items.append(QueryItem("enableBusinessHour", "true"))
            items.append(QueryItem("businessHourType", "false"))
        case .all?, nil:
            break
        }
        items.append(contentsOf: selection.columns.map { QueryItem("reportMetrics", $0) })
        return items
    }
}

/// Paths of the API, relative to the host (the API root is `/api/public`).
public enum APIPaths {
    public static let root = "/api/public"
    /// `POST|GET /api/public/reports/report/{report_type}`.
    public static func submit(_ type: ExportType) -> String { "\(root)/reports/report/\(type.rawValue)" }
    /// `GET /api/public/reports/report/{workflowId}/{runId}/status` (runId percent-encoded).
    public static func status(workflowId: String, runId: String) -> String {
        "\(root)/reports/report/\(workflowId)/\(PercentEncoding.encodeComponent(runId))/status"
    }
    /// `GET /api/public/reports/report/{workflowId}/{runId}/download` (runId percent-encoded).
    public static func download(workflowId: String, runId: String) -> String {
        "\(root)/reports/report/\(workflowId)/\(PercentEncoding.encodeComponent(runId))/download"
    }
    public static let jobs = "\(root)/reports/jobs"
    public static let teams = "\(root)/teams"
    public static let timezones = "\(root)/config/timezones"
}

/// Percent-encoding as the API uses it: everything but RFC 3986 unreserved characters is escaped,
/// so a runId's `+`, `/` and `=` become `%2B`, `%2F`, `%3D` and a comma list's commas become `%2C`.
public enum PercentEncoding {
    public static func encodeComponent(_ string: String) -> String {
        var out = ""
        out.reserveCapacity(string.utf8.count)
        for byte in string.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"),
                UInt8(ascii: "~"):
                out.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                let hex = Array("0123456789ABCDEF".utf8)
                out.append("%")
                out.unicodeScalars.append(Unicode.Scalar(hex[Int(byte >> 4)]))
                out.unicodeScalars.append(Unicode.Scalar(hex[Int(byte & 0x0F)]))
            }
        }
        return out
    }

    /// `name=value&…` with both sides encoded.
    public static func encodeQuery(_ items: [QueryItem]) -> String {
        items.map { "\(encodeComponent($0.name))=\(encodeComponent($0.value))" }.joined(separator: "&")
    }

    /// Decodes `%XX` escapes (and `+` as space when `plusAsSpace`); nil when an escape is malformed or the
    /// bytes are not UTF-8.
    public static func decode(_ string: String, plusAsSpace: Bool = false) -> String? {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(string.utf8.count)
        var iterator = string.utf8.makeIterator()
        while let byte = iterator.next() {
            if byte == UInt8(ascii: "%") {
                guard let high = iterator.next().flatMap(hexValue), let low = iterator.next().flatMap(hexValue) else {
                    return nil
                }
                bytes.append(high << 4 | low)
            } else if plusAsSpace && byte == UInt8(ascii: "+") {
                bytes.append(UInt8(ascii: " "))
            } else {
                bytes.append(byte)
            }
        }
        return String(validating: bytes, as: UTF8.self)
    }

    /// Parses `a=1&b=2` into items in order (form-urlencoded: `+` is a space).
    public static func parseQuery(_ query: Substring) -> [QueryItem]? {
        var items: [QueryItem] = []
        for pair in query.split(separator: "&", omittingEmptySubsequences: true) {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard let name = decode(String(parts[0]), plusAsSpace: true),
                let value = decode(parts.count > 1 ? String(parts[1]) : "", plusAsSpace: true)
            else { return nil }
            items.append(QueryItem(name, value))
        }
        return items
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}

import AnalyticsAPI
import Foundation

/// The `/api/public/config/timezones` listing: a fixed set of IANA zones with their offsets at API "now".
enum TimezoneCatalog {
    static let ids = [
        "Etc/GMT+12", "Pacific/Honolulu", "America/Anchorage", "America/Los_Angeles", "America/Denver",
        "America/Phoenix", "America/Chicago", "America/New_York", "America/Halifax", "America/Sao_Paulo",
        "Atlantic/Azores", "UTC", "Europe/London", "Europe/Paris", "Europe/Berlin", "Europe/Istanbul",
        "Africa/Johannesburg", "Asia/Dubai", "Asia/Kolkata", "Asia/Kathmandu", "Asia/Bangkok", "Asia/Shanghai",
        "Asia/Tokyo", "Australia/Adelaide", "Australia/Sydney", "Australia/Lord_Howe", "Pacific/Auckland",
        "Pacific/Apia",
    ]

    static func listing(at date: Date, locale: String) -> [TimezoneInfo] {
        let loc = Locale(identifier: locale)
        return ids.compactMap { id in
            guard let zone = TimeZone(identifier: id) else { return nil }
            let seconds = zone.secondsFromGMT(for: date)
            let sign = seconds < 0 ? "-" : "+"
            let hours = abs(seconds) / 3600
            let minutes = (abs(seconds) / 60) % 60
            let offset = "\(sign)\(hours < 10 ? "0" : "")\(hours):\(minutes < 10 ? "0" : "")\(minutes)"
            let style: NSTimeZone.NameStyle = zone.isDaylightSavingTime(for: date) ? .daylightSaving : .standard
            let name = zone.localizedName(for: style, locale: loc) ?? "GMT\(offset)"
            return TimezoneInfo(
                id: id, name: name, shortName: zone.abbreviation(for: date) ?? "GMT\(offset)", offsetString: offset,
                offsetMillis: Int64(seconds) * 1000)
        }
    }
}

import Foundation

extension WorkItem {
    /// "export posts, window 2025-02-01 00:00 – 2025-02-02 00:00 (America/New_York)": how messages name a chunk.
    public var windowDescription: String {
        let zoneId = timeZone ?? request.timezone ?? "UTC"
        let zone = TimeZone(identifier: zoneId) ?? TimeZone(identifier: "UTC")!
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        func text(_ millis: Int64) -> String {
            let parts = calendar.dateComponents(
                [.year, .month, .day, .hour, .minute], from: Date(timeIntervalSince1970: Double(millis) / 1000))
            return String(
                format: "%04d-%02d-%02d %02d:%02d", parts.year ?? 0, parts.month ?? 0, parts.day ?? 0, parts.hour ?? 0,
                parts.minute ?? 0)
        }
        return "export \(exportName), window \(text(request.startTime)) – \(text(request.endTime)) (\(zoneId))"
    }
}

import AnalyticsAPI
import ExportSpec

/// One export to plan after the `combined` rewrite: a type, its selection, and where its volume comes from.
struct ExportTemplate: Sendable {
    var name: String
    var entry: ExportEntry
    var type: ExportType
    var selection: ExportSelection
    var rewritten: Bool
    /// The share of the entry's volume this export carries (1 unless it is a part of a rewritten `combined`).
    var volumeShare: Double
    var notes: [String]
}

extension ExportTemplate {
    init(entry: ExportEntry, type: ExportType, selection: ExportSelection) {
        self.init(
            name: entry.name, entry: entry, type: type, selection: selection, rewritten: false, volumeShare: 1,
            notes: [])
    }
}

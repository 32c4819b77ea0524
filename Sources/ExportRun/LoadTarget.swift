import AnalyticsAPI
import CSVMerge
import ExportBasics
import ExportDataset
import ExportLoading
import ExportPlanner
import ExportSpec
import Foundation

/// One export's dataset as the loader takes it: where its partitions are and how their values read (type, zone,
/// locale's date order, pinned `columns:`), all from the spec and the dataset's manifest, nothing from the API.
public struct LoadTarget: Sendable {
    public var exportName: String
    var type: ExportType
    var timezone: String
    var dateOrder: DateOrder
    var pinned: [String]?
    public var layout: DatasetLayout

    init(_ export: PlannedExport, spec: PipelineSpec, outputDirectory: String) {
        let entry = spec.exports.first { $0.name == export.specExportName }
        exportName = export.name
        type = export.type
        timezone = export.timezone
        dateOrder = DateOrder(locale: entry?.locale ?? spec.defaults.locale)
        pinned = entry.flatMap { $0.selection.columns.isEmpty ? nil : $0.selection.columns }
        layout = DatasetLayout(
            outputDirectory: outputDirectory, exportName: export.name, grain: spec.output.partition,
            compression: spec.output.compression)
    }

    /// The loader's description of a partition the manifest lists (or that was just renamed into place); nil for an
    /// entry whose partition the grain cannot read.
    func loadable(_ entry: DatasetManifest.Partition) -> LoadablePartition? {
        guard let key = PartitionKey(parsing: entry.partition, grain: layout.grain) else { return nil }
        return LoadablePartition(
            exportName: exportName, exportType: type, key: key.directoryName, firstDay: key.firstDay,
            path: layout.root + "/" + entry.file, compressed: layout.compression == .gzip, sha256: entry.sha256,
            timeReading: .zone(timezone), dateOrder: dateOrder, pinnedColumns: pinned)
    }

    /// The partitions the manifest lists now (none when there is no manifest yet).
    /// - Throws: `DatasetError` for a manifest that cannot be read.
    func manifestPartitions() throws -> [DatasetManifest.Partition] {
        try DatasetManifestStore.read(from: layout.manifestPath)?.partitions ?? []
    }

    /// The targets of every planned export of a partitioned spec.
    static func all(_ plan: Plan, spec: PipelineSpec, outputDirectory: String) -> [LoadTarget] {
        plan.exports.map { LoadTarget($0, spec: spec, outputDirectory: outputDirectory) }
    }
}

import ExportExecutor
import ExportPlanner
import ExportSpec
import Foundation

extension PipelineRun {
    /// `exportpipe status`'s account of a journal, counted as the run's own end-of-run table and summary count
    /// (the leaves of the plan's chunks), with the output's rows and bytes as they are on disk.
    ///
    /// - Parameters:
    ///   - lastRunPlan: per export, the chunk ids of the latest run's plan (the run log keeps it); nil for a
    ///     journal whose runs were not logged with their plan: then the plan a run would make at `now` is counted.
    ///   - journal: the journal, for the plan a run would make at `now` (jobs in flight outside it are listed).
    public static func journalReport(
        _ spec: PipelineSpec, records: [ChunkRecord], lastRunPlan: [(export: String, chunks: [String])]?,
        journal: Journal, now: Date, baseDirectory: String
    ) -> JournalReport {
        let planned = try? Self.plan(spec, now: now, journal: journal, baseDirectory: baseDirectory)
        let planNow = planned.flatMap { $0.hasErrors ? nil : $0.plan }
        let counted =
            lastRunPlan ?? planNow.map { plan in plan.exports.map { ($0.name, $0.chunks.map(\.id)) } }
        let output = Self.output(
            of: spec, baseDirectory: baseDirectory, now: now, settleSeconds: spec.run.settle.nominalSeconds,
            toolVersion: "")
        let names = counted?.map(\.export) ?? spec.exports.map(\.name)
        return JournalReport(
            records: records, plan: counted, planned: planNow.map { Set($0.chunks.map(\.id)) },
            outputs: onDisk(output.current(names), in: output.directory))
    }

    /// What each output record lists, as found on disk: the files' real sizes (a file the manifest lists that is
    /// gone counts 0 bytes and is named as missing).
    static func onDisk(_ records: [String: OutputRecord], in directory: String) -> [String: JournalReport.Output] {
        records.mapValues { record in
            var bytes: Int64 = 0
            var missing: [String] = []
            for file in record.files {
                let attributes = try? FileManager.default.attributesOfItem(atPath: directory + "/" + file.file)
                if let size = (attributes?[.size] as? NSNumber)?.int64Value {
                    bytes += size
                } else {
                    missing.append(file.file)
                }
            }
            return JournalReport.Output(
                files: record.files.map(\.file), rows: Int64(record.rows), bytes: bytes, missing: missing)
        }
    }
}

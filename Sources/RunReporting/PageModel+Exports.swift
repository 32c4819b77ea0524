import ExportExecutor

extension PageModel {
    /// The per-export table: for each export of the latest run's plan (the run log keeps it), the leaves of its
    /// chunks — what the run's end-of-run table, `run-summary.json` and `exportpipe status` count — and, for an
    /// export whose merged file is written, the file's rows and bytes as the manifest records them. A journal
    /// whose run log has no plan counts every chunk it holds.
    /// - Returns: the rows, the failed chunks, and the leaves counted (`unrecorded`: planned chunks the journal
    ///   has no record of yet, to do).
    static func exportTable(_ report: RunReport) -> (
        rows: [ExportRow], failed: [FailedRow], leaves: [ChunkRecord], unrecorded: Int
    ) {
        let snapshot = report.snapshot
        let run = snapshot.run
        let byExport = Dictionary(grouping: snapshot.records, by: \.exportName)
        let planned = Dictionary(
            (run?.plan ?? []).map { ($0.export, $0.chunks) }, uniquingKeysWith: { first, _ in first })
        let names =
            run?.plan?.map(\.export)
            ?? (run?.exports ?? []) + byExport.keys.sorted().filter { !(run?.exports ?? []).contains($0) }
        let outputs = Dictionary(
            (report.manifest?.exports ?? []).map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        var failedRows: [FailedRow] = []
        var allLeaves: [ChunkRecord] = []
        var allUnrecorded = 0
        let rows = names.map { export in
            let records: [ChunkRecord]
            var unrecorded = 0
            if let ids = planned[export] {
                (records, unrecorded) = ChunkRecord.leaves(of: ids, in: snapshot.records)
            } else {
                records = (byExport[export] ?? []).filter { $0.state != .split }
            }
            allLeaves += records
            allUnrecorded += unrecorded
            let verified = records.filter { $0.state == .verified }
            let failed = records.filter { $0.state == .failed }
            for record in failed {
                failedRows.append(
                    FailedRow(
                        id: record.id, export: export,
                        window:
                            "\(Self.iso(Double(record.windowStart) / 1000)) – \(Self.iso(Double(record.windowEnd) / 1000))",
                        attempts: record.attempts, error: record.lastError ?? "no error was recorded",
                        command: "exportpipe retry \(report.specPath) --chunk \(record.id)"))
            }
            let complete = !records.isEmpty && unrecorded == 0 && verified.count == records.count
            let output = complete ? outputs[export] : nil
            return ExportRow(
                name: export, chunks: records.count + unrecorded, verified: verified.count,
                inFlight: records.filter { $0.state.mayBeOutstanding || $0.state == .completed }.count,
                toDo: records.filter { $0.state == .planned }.count + unrecorded, failed: failed.count,
                rows: Self.number(output.map { Int64($0.rows) } ?? verified.reduce(0) { $0 + ($1.rows ?? 0) }),
                bytes: Self.bytes(output.map(\.bytes) ?? verified.reduce(0) { $0 + ($1.bytes ?? 0) }),
                sha256: output.map { String($0.sha256.prefix(16)) + "…" } ?? "",
                complete: complete, hasFailures: !failed.isEmpty)
        }
        return (rows, failedRows, allLeaves, allUnrecorded)
    }
}

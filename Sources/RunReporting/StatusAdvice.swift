import ExportExecutor

/// What `exportpipe status` suggests after its table: which command would fix what the journal shows.
public enum StatusAdvice {
    /// One line per suggestion; a single "nothing to do" line when every chunk is verified.
    public static func lines(for records: [ChunkRecord], specPath: String) -> [String] {
        let leaves = records.filter { $0.state != .split }
        guard !leaves.isEmpty else { return ["nothing has run yet: `exportpipe run \(specPath)` starts it"] }
        var lines: [String] = []
        let failed = leaves.filter { $0.state == .failed }
        if !failed.isEmpty {
            let byExport = Dictionary(grouping: failed, by: \.exportName)
            let names = byExport.keys.sorted()
            lines.append(
                "\(failed.count) chunk\(failed.count == 1 ? "" : "s") failed for good ("
                    + names.map { "\($0): \(byExport[$0]!.count)" }.joined(separator: ", ")
                    + "): `exportpipe retry \(specPath)` runs them again and merges the exports they complete")
            if names.count > 1 {
                lines.append("  one export only: `exportpipe retry \(specPath) --export \(names[0])`")
            }
            lines.append("  one chunk only: `exportpipe retry \(specPath) --chunk \(failed[0].id)`")
        }
        let unfinished = leaves.filter { !$0.state.isFinal }
        if !unfinished.isEmpty {
            lines.append(
                "\(unfinished.count) chunk\(unfinished.count == 1 ? " is" : "s are") not done (in flight or to do): "
                    + "`exportpipe run \(specPath)` resumes them (if a run is going, it is doing that now)")
        }
        if lines.isEmpty { lines.append("every chunk is verified: nothing to fix") }
        return lines
    }
}

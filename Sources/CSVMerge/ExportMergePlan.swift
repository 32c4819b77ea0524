import AnalyticsAPI
import Foundation

/// How one export's chunk files become its output: the grouping policy of a run's merge, in one place.
///
/// Chunks of one fan-out group (one combination of filter values, as planned) cover disjoint windows and are
/// concatenated in window order; several groups overlap in time and are merged k-way by (time, id). The columns
/// for those roles are found in the first chunk header by their candidate names (`ColumnRoleNames`, or the
/// spec's `ColumnRoleOverride`), and whatever cannot be found is worked around, never fatal once the exports
/// succeeded:
///
/// - no time column: the groups are concatenated one after another (each in window order), and a warning says the
///   row order differs from one whole export's;
/// - no de-duplication key: rows are compared whole (within one timestamp when the time column is known, else
///   within the overlap of adjacent windows);
/// - time values in no known form, or a group out of order: that group keeps its file order, with a warning.
public struct ExportMergePlan: Sendable {
    /// One chunk file of the export.
    public struct Chunk: Sendable, Hashable {
        public var id: String
        /// Where the file is.
        public var path: String
        /// The file as the manifest names it (relative to the state directory).
        public var manifestFile: String
        public var window: TimeWindow
        /// The chunk's fan-out values as planned (`team=12`), empty when the export is not fanned out: chunks with
        /// the same group differ only in time.
        public var group: String
        /// Data rows, as verified.
        public var rows: Int
        /// How times without an offset are read: the zone the chunk was requested in.
        public var timeReading: TimeReading
        /// Which number of a slash date is the month: from the locale the chunk was requested in.
        public var dateOrder: DateOrder

        public init(
            id: String, path: String, manifestFile: String, window: TimeWindow, group: String, rows: Int,
            timeReading: TimeReading, dateOrder: DateOrder = .monthFirst
        ) {
            self.dateOrder = dateOrder
            self.id = id
            self.path = path
            self.manifestFile = manifestFile
            self.window = window
            self.group = group
            self.rows = rows
            self.timeReading = timeReading
        }
    }

    /// What the merge did.
    public struct Outcome: Sendable {
        public var result: MergeResult
        /// Which header column served which role.
        public var roles: ResolvedColumnRoles
        /// The sort key of the final k-way merge, `nil` when the output is a concatenation.
        public var sortKey: [String]?
        /// One sentence per thing that could not be done as one whole export would have it, and what was done
        /// instead (also in the manifest).
        public var warnings: [String]
        /// The manifest's chunk entries, group by group, each group in window order.
        public var chunks: [Manifest.Chunk]
    }

    public var exportName: String
    public var chunks: [Chunk]
    public var candidates: ColumnRoleNames
    public var override: ColumnRoleOverride
    /// The output file (replaced atomically).
    public var output: String
    /// A directory for the groups' intermediate files (created and removed by `merge`).
    public var scratchDirectory: String
    public var isCancelled: @Sendable () -> Bool

    public init(
        exportName: String, chunks: [Chunk], candidates: ColumnRoleNames,
        override: ColumnRoleOverride = ColumnRoleOverride(), output: String, scratchDirectory: String,
        isCancelled: @escaping @Sendable () -> Bool = { false }
    ) {
        self.exportName = exportName
        self.chunks = chunks
        self.candidates = candidates
        self.override = override
        self.output = output
        self.scratchDirectory = scratchDirectory
        self.isCancelled = isCancelled
    }

    /// The groups, sorted by their values, each with its chunks in window order.
    public var groups: [(group: String, chunks: [Chunk])] {
        let byGroup = Dictionary(grouping: chunks, by: \.group)
        return byGroup.keys.sorted().map { key in
            (
                key,
                byGroup[key]!.sorted {
                    ($0.window.startMs, $0.window.endMs, $0.id) < ($1.window.startMs, $1.window.endMs, $1.id)
                }
            )
        }
    }

    /// The header of the first chunk that has one (in group and window order), or `nil` when all are empty.
    public func firstHeader() throws -> [String]? {
        try MergeOptions.firstHeader(of: groups.flatMap { $0.1.map(\.path) })
    }

    /// Merges the chunks into `output`.
    /// - Throws: `CSVMergeError` for malformed or mismatched files and I/O problems (never for a role it could not
    ///   find).
    public func merge() throws -> Outcome {
        let groups = self.groups
        let header = try firstHeader() ?? []
        var (roles, missing) = ResolvedColumnRoles.resolve(header: header, candidates: candidates, override: override)
        if header.isEmpty { (roles, missing) = (ResolvedColumnRoles(), []) }
        var warnings: [String] = []
        let fannedOut = groups.count > 1
        if !missing.isEmpty {
            var fallback: [String] = []
            if roles.time == nil && (!candidates.time.isEmpty || override.time != nil) {
                fallback.append(
                    fannedOut
                        ? "each of the \(groups.count) filter groups is written in window order, one group after "
                            + "another, so the row order differs from one whole export's"
                        : "the chunks are written in window order")
            }
            if roles.key == nil && (!candidates.key.isEmpty || override.key != nil) {
                fallback.append(
                    roles.time == nil
                        ? "duplicate rows are recognised by all their columns where adjacent windows overlap"
                        : "duplicate rows are recognised by all their columns within one timestamp")
            }
            warnings.append(
                missing.joined(separator: "; ") + " in the header of its chunks ("
                    + header.map { "\"\($0)\"" }.joined(separator: ", ") + ")"
                    + (fallback.isEmpty ? "" : "; " + fallback.joined(separator: "; ")) + ".")
        }
        let keyColumns = roles.key ?? header
        let dedupe: MergeOptions.Deduplication? =
            header.isEmpty
            ? nil
            : MergeOptions.Deduplication(
                keyColumns: keyColumns, groupColumn: roles.time, boundaryOnly: roles.time == nil)
        var manifestChunks: [Manifest.Chunk] = []
        for (group, members) in groups {
            manifestChunks += members.map {
                Manifest.Chunk(
                    id: $0.id, file: $0.manifestFile, rows: $0.rows, window: $0.window,
                    tag: group.isEmpty ? nil : group)
            }
        }
        func input(_ chunk: Chunk, windowed: Bool) -> MergeInput {
            MergeInput(
                path: chunk.path, id: chunk.id, window: windowed ? chunk.window : nil,
                tag: chunk.group.isEmpty ? nil : chunk.group, timeReading: chunk.timeReading,
                dateOrder: chunk.dateOrder)
        }

        let result: MergeResult
        var sortKey: [String]?
        if !fannedOut || roles.time == nil {
            // One stream: a single group in window order, or (no time column) the groups one after another.
            let inputs = groups.flatMap { _, members in members.map { input($0, windowed: !fannedOut) } }
            result = try CSVMerger(
                options: MergeOptions(mode: .concatenate, deduplication: dedupe, isCancelled: isCancelled)
            ).merge(inputs, into: output)
        } else {
            let time = roles.time!
            let key = [time] + (roles.id.map { [$0] } ?? [])
            sortKey = key
            try FileManager.default.createDirectory(atPath: scratchDirectory, withIntermediateDirectories: true)
            // Only what this merge wrote is removed, each by name; the folder goes only when nothing else is in it.
            var scratchFiles: [String] = []
            defer {
                for file in scratchFiles { try? FileManager.default.removeItem(atPath: file) }
                rmdir(scratchDirectory)
            }
            var inputs: [MergeInput] = []
            var scratchNames: [(String, String)] = []
            var groupDuplicates = 0
            for (index, entry) in groups.enumerated() {
                let members = entry.chunks.map { input($0, windowed: true) }
                if members.count == 1 {
                    inputs.append(members[0])
                    continue
                }
                // One stream per group, so the k-way merge opens one file per group.
                let joined = scratchDirectory + "/\(index).csv"
                scratchFiles.append(joined)
                scratchNames.append((joined, "the chunks of group \(entry.group) (\(members.count) files)"))
                let groupResult = try CSVMerger(
                    options: MergeOptions(mode: .concatenate, deduplication: dedupe, isCancelled: isCancelled)
                ).merge(members, into: joined)
                warnings += groupResult.warnings
                groupDuplicates += groupResult.duplicatesDropped
                inputs.append(
                    MergeInput(
                        path: joined, id: "group-\(index)", tag: entry.group,
                        timeReading: entry.chunks[0].timeReading, dateOrder: entry.chunks[0].dateOrder))
            }
            var merged = try CSVMerger(
                options: MergeOptions(
                    mode: .sorted(by: key), deduplication: dedupe, timeColumn: time, requireSortedInputs: false,
                    isCancelled: isCancelled)
            ).merge(inputs, into: output)
            // Rows the groups' concatenations dropped at their chunk boundaries count too.
            merged.duplicatesDropped += groupDuplicates
            result = merged
            warnings += result.warnings.map { warning in
                scratchNames.reduce(warning) { $0.replacingOccurrences(of: $1.0, with: $1.1) }
            }
            return Outcome(
                result: result, roles: roles, sortKey: sortKey, warnings: warnings.map { "\(exportName): \($0)" },
                chunks: manifestChunks)
        }
        warnings += result.warnings
        return Outcome(
            result: result, roles: roles, sortKey: sortKey, warnings: warnings.map { "\(exportName): \($0)" },
            chunks: manifestChunks)
    }
}

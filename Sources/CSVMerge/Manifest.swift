/// `manifest.json`: what each merged output holds and where it came from, so a reader can trust and check it.
///
/// Encoded with sorted keys, pretty printed, snake_case keys, exports sorted by name: the same content always
/// gives the same bytes.
public struct Manifest: Codable, Sendable, Equatable {
    /// The manifest's file name beside the merged outputs: the one place it is spelled.
    public static let fileName = "manifest.json"

    /// One merged output.
    public struct Export: Codable, Sendable, Equatable {
        /// The export's name (from the spec, or the output's file name for `exportpipe merge`).
        public var name: String
        /// The output's path, relative to the manifest's directory when it lies inside it.
        public var file: String
        public var rows: Int
        public var bytes: Int64
        /// Lowercase hex SHA-256 of the output file.
        public var sha256: String
        public var duplicatesDropped: Int
        /// The columns of the output.
        public var columns: [String]
        /// The sort columns of a k-way merge; `nil` for a concatenation.
        public var sortKey: [String]?
        /// The window the export covers, when known.
        public var window: TimeWindow?
        /// The chunk files it was merged from, in the order given to the merger.
        public var chunks: [Chunk]
        /// Which header column served which merge role (time, id, de-duplication key), when roles were resolved.
        public var columnRoles: ResolvedColumnRoles?
        /// What the merge could not do as one whole export would have it, and what it did instead.
        public var warnings: [String]?

        public init(
            name: String, file: String, rows: Int, bytes: Int64, sha256: String, duplicatesDropped: Int,
            columns: [String], sortKey: [String]?, window: TimeWindow?, chunks: [Chunk]
        ) {
            self.name = name
            self.file = file
            self.rows = rows
            self.bytes = bytes
            self.sha256 = sha256
            self.duplicatesDropped = duplicatesDropped
            self.columns = columns
            self.sortKey = sortKey
            self.window = window
            self.chunks = chunks
        }

        /// The entry for a merge result.
        public init(name: String, file: String, result: MergeResult, sortKey: [String]?, window: TimeWindow?) {
            self.init(
                name: name, file: file, rows: result.rows, bytes: result.bytes, sha256: result.sha256,
                duplicatesDropped: result.duplicatesDropped, columns: result.columns, sortKey: sortKey,
                window: window,
                chunks: result.inputs.map {
                    Chunk(
                        id: $0.input.id, file: $0.input.path, rows: $0.rows, window: $0.input.window, tag: $0.input.tag)
                })
        }
    }

    /// One chunk file of an export.
    public struct Chunk: Codable, Sendable, Equatable {
        public var id: String
        public var file: String
        /// Data records in the chunk (before de-duplication).
        public var rows: Int
        public var window: TimeWindow?
        /// The fan-out tag (team, work queue, smart view), when there is one.
        public var tag: String?

        public init(id: String, file: String, rows: Int, window: TimeWindow?, tag: String?) {
            self.id = id
            self.file = file
            self.rows = rows
            self.window = window
            self.tag = tag
        }
    }

    /// The version of exportpipe that wrote the manifest.
    public var toolVersion: String
    /// The hash of the pipeline spec the outputs were made from (`nil` for `exportpipe merge`).
    public var specHash: String?
    /// The outputs, sorted by name.
    public var exports: [Export]

    public init(toolVersion: String, specHash: String? = nil, exports: [Export] = []) {
        self.toolVersion = toolVersion
        self.specHash = specHash
        self.exports = exports.sorted { $0.name < $1.name }
    }

    /// Adds `export`, replacing an entry of the same name, keeping the order by name.
    public mutating func upsert(_ export: Export) {
        exports.removeAll { $0.name == export.name }
        exports.append(export)
        exports.sort { $0.name < $1.name }
    }
}

import AnalyticsAPI

/// One job's worth of work for the executor: a planned chunk.
public struct WorkItem: Sendable, Hashable, Codable {
    /// Stable content id (the planner's chunk id).
    public var id: String
    /// The export (output) this chunk belongs to.
    public var exportName: String
    public var request: ExportRequest
    public var expectedRows: Int
    /// Expected API seconds of server work (the shared cost model).
    public var expectedSeconds: Double
    /// The chunk this one was split from, if any.
    public var parentId: String?
    /// The spec's time zone (IANA id), in which messages show the chunk's window; the request's time zone, or
    /// UTC, when nil.
    public var timeZone: String?

    public init(
        id: String, exportName: String, request: ExportRequest, expectedRows: Int, expectedSeconds: Double,
        parentId: String? = nil, timeZone: String? = nil
    ) {
        self.id = id
        self.exportName = exportName
        self.request = request
        self.expectedRows = expectedRows
        self.expectedSeconds = expectedSeconds
        self.parentId = parentId
        self.timeZone = timeZone
    }
}

import AnalyticsAPI

/// One export job of a plan: the request it sends, why it exists, and what it is expected to cost.
public struct Chunk: Sendable, Codable, Hashable {
    /// A content hash of (export type, query parameters as sent, window); see `ChunkID`.
    public var id: String
    /// The planned export this chunk belongs to (after a `combined` rewrite, e.g. `posts.incoming_post`).
    public var exportName: String
    /// The request exactly as it will be submitted (the client adds `companyKey`).
    public var request: ExportRequest
    /// The reasons that shaped this chunk, in a fixed order.
    public var reasons: [SplitReason]
    /// Rows the job is expected to return, from the volume estimate.
    public var expectedRows: Int
    /// Seconds of server work expected, from `CostModel`.
    public var expectedSeconds: Double
    /// The filter values this chunk was fanned out on; empty when the export is not fanned out.
    public var fanOut: [FanOutValue]

    public init(
        exportName: String, request: ExportRequest, reasons: [SplitReason], expectedRows: Int, fanOut: [FanOutValue]
    ) {
        self.id = ChunkID.make(for: request)
        self.exportName = exportName
        self.request = request
        self.reasons = reasons
        self.expectedRows = expectedRows
        self.expectedSeconds = CostModel.seconds(for: request.type, rows: expectedRows)
        self.fanOut = fanOut
    }

    /// A chunk whose id and cost the caller already computed (the planner's fast path; same values as above).
    init(
        id: String, exportName: String, request: ExportRequest, reasons: [SplitReason], expectedRows: Int,
        expectedSeconds: Double, fanOut: [FanOutValue]
    ) {
        self.id = id
        self.exportName = exportName
        self.request = request
        self.reasons = reasons
        self.expectedRows = expectedRows
        self.expectedSeconds = expectedSeconds
        self.fanOut = fanOut
    }

    /// Inclusive start of the window, epoch milliseconds.
    public var startMillis: Int64 { request.startTime }
    /// Exclusive end of the window, epoch milliseconds.
    public var endMillis: Int64 { request.endTime }
    public var type: ExportType { request.type }
    public var durationMillis: Int64 { request.endTime - request.startTime }
}

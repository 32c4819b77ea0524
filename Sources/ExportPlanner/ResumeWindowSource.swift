import AnalyticsAPI
import ExportBasics

/// The spec's window less the chunks earlier runs verified and settled: what `run` exports when a journal exists.
///
/// A verified chunk is kept — whatever `chunk:` (or `chunk: auto` with volumes learned since) would cut now — when
/// it was verified at least `settle` after its window ended (late data could not change it any more). The ranges
/// around the kept chunks are cut afresh; a chunk verified within the settle period is not kept, and its window is
/// reported in `exportedAgain` with the reason. Exports that cannot be cut by time keep only a chunk of exactly
/// their window.
public struct ResumeWindowSource: WindowSource {
    /// A chunk the journal holds as verified.
    public struct Verified: Sendable, Hashable {
        public var id: String
        public var exportName: String
        public var request: ExportRequest
        public var rows: Int
        /// When it was verified, epoch milliseconds.
        public var verifiedAtMillis: Int64

        public init(id: String, exportName: String, request: ExportRequest, rows: Int, verifiedAtMillis: Int64) {
            self.id = id
            self.exportName = exportName
            self.request = request
            self.rows = rows
            self.verifiedAtMillis = verifiedAtMillis
        }
    }

    private let verified: [String: [Verified]]
    public let settleMillis: Int64

    public init(verified: [Verified], settleMillis: Int64) {
        self.verified = Dictionary(grouping: verified, by: \.exportName)
        self.settleMillis = settleMillis
    }

    public func windows(for query: WindowQuery) -> WindowAnswer {
        let window = query.window
        let candidates = (verified[query.exportName] ?? []).filter { chunk in
            var shape = chunk.request
            shape.startTime = 0
            shape.endTime = 0
            return shape == query.shape && chunk.request.startTime >= window.start
                && chunk.request.endTime <= window.end && chunk.request.startTime < chunk.request.endTime
        }
        let settled = candidates.filter(isSettled)
        var kept: [Verified] = []
        if query.whole {
            if let exact = settled.first(where: {
                $0.request.startTime == window.start && $0.request.endTime == window.end
            }) {
                kept = [exact]
            }
        } else {
            // Earliest first, the longest of those that start together; never two that overlap.
            var end = Int64.min
            for chunk in settled.sorted(by: {
                ($0.request.startTime, -$0.request.endTime, $0.id) < ($1.request.startTime, -$1.request.endTime, $1.id)
            }) where chunk.request.startTime >= end {
                kept.append(chunk)
                end = chunk.request.endTime
            }
        }
        let ranges = window.subtracting(kept.map { TimeRange(start: $0.request.startTime, end: $0.request.endTime) })
        let keptIds = Set(kept.map(\.id))
        let again = candidates.filter { !keptIds.contains($0.id) && !isSettled($0) }.map { chunk in
            ExportedAgain(
                exportName: query.exportName, chunk: chunk.id,
                window: TimeRange(start: chunk.request.startTime, end: chunk.request.endTime),
                reason:
                    "it was verified \(HumanFormat.duration(seconds: Double(chunk.verifiedAtMillis - chunk.request.endTime) / 1000)) "
                    + "after its window ended, within run.settle (\(HumanFormat.duration(seconds: Double(settleMillis) / 1000))): "
                    + "late data may have changed it")
        }
        return WindowAnswer(
            kept: kept.map { KeptChunk(id: $0.id, request: $0.request, rows: $0.rows) }, ranges: ranges,
            exportedAgain: again.sorted { ($0.window.start, $0.chunk) < ($1.window.start, $1.chunk) })
    }

    private func isSettled(_ chunk: Verified) -> Bool {
        chunk.verifiedAtMillis - chunk.request.endTime >= settleMillis
    }
}

import AnalyticsAPI
import ExportBasics
import ExportScheduling
import Foundation

/// The `plan --format json` document: every chunk with its id, export, exact query parameters and window.
///
/// Only integers and strings (no floating point), encoded with sorted keys, so the same plan always gives the
/// same bytes. Seconds are rounded to whole seconds.
public struct PlanJSONDocument: Codable, Sendable, Hashable {
    public struct Instant: Codable, Sendable, Hashable {
        public var epochMillis: Int64
        public var iso8601: String
    }
    public struct Window: Codable, Sendable, Hashable {
        public var start: Instant
        public var end: Instant
    }
    public struct Reason: Codable, Sendable, Hashable {
        public var code: String
        public var text: String
    }
    public struct FanOut: Codable, Sendable, Hashable {
        public var filter: String
        public var value: Int64
    }
    public struct ChunkEntry: Codable, Sendable, Hashable {
        public var id: String
        public var export: String
        public var type: String
        public var queryItems: [QueryItem]
        public var window: Window
        public var reasons: [Reason]
        public var fanOut: [FanOut]
        public var expectedRows: Int
        public var expectedSeconds: Int
    }
    public struct Export: Codable, Sendable, Hashable {
        public var name: String
        public var specExport: String
        public var type: String
        public var timezone: String
        public var window: Window
        public var timeSlicing: String
        public var timeWindows: Int
        public var fanOut: Int
        public var notes: [String]
        public var chunkCount: Int
        public var expectedRows: Int
        public var expectedSeconds: Int
        /// What earlier runs' jobs of this export took, from the journal; absent before any.
        public var learnedDuration: Learned?
        public var chunks: [ChunkEntry]
    }
    public struct Learned: Codable, Sendable, Hashable {
        /// The job seconds the estimate uses: `expectedSeconds` × `ratio`.
        public var estimatedSeconds: Int
        public var jobs: Int
        /// Observed ÷ estimated seconds, to thousandths.
        public var ratio: Double
        /// API seconds per 1,000 rows, to thousandths.
        public var secondsPer1000Rows: Double?
    }
    public struct Estimate: Codable, Sendable, Hashable {
        public var jobs: Int
        public var totalJobSeconds: Int
        public var longestJobSeconds: Int
        public var users: Int
        public var runningPerUser: Int
        public var slots: Int
        public var wallSecondsLowerBound: Int
        public var note: String
    }

    public var formatVersion: Int
    public var spec: String
    public var file: String
    public var now: Instant
    public var exports: [Export]
    public var estimate: Estimate
    public var warnings: [String]

    public init(_ plan: Plan) {
        func seconds(_ value: Double) -> Int { saturatingInt(value) }
        let defaultClock = ZonedClock(timeZone: TimeZone(identifier: plan.timezone) ?? TimeZone.gmt)
        func instant(_ millis: Int64, _ clock: ZonedClock) -> Instant {
            Instant(epochMillis: millis, iso8601: InstantFormat.iso8601(millis, in: clock))
        }
        formatVersion = 1
        spec = plan.specName
        file = plan.specFile
        now = instant(plan.nowMillis, defaultClock)
        exports = plan.exports.map { export in
            let clock = ZonedClock(timeZone: TimeZone(identifier: export.timezone) ?? defaultClock.timeZone)
            var reasonCache: [[SplitReason]: [Reason]] = [:]
            let chunks = export.chunks.map { chunk in
                let reasons =
                    reasonCache[chunk.reasons]
                    ?? {
                        let mapped = chunk.reasons.map { Reason(code: $0.code, text: $0.text) }
                        reasonCache[chunk.reasons] = mapped
                        return mapped
                    }()
                return ChunkEntry(
                    id: chunk.id, export: chunk.exportName, type: chunk.type.rawValue,
                    queryItems: chunk.request.queryItems,
                    window: Window(start: instant(chunk.startMillis, clock), end: instant(chunk.endMillis, clock)),
                    reasons: reasons,
                    fanOut: chunk.fanOut.map { FanOut(filter: $0.filter.singularName, value: $0.value) },
                    expectedRows: chunk.expectedRows, expectedSeconds: seconds(chunk.expectedSeconds))
            }
            return Export(
                name: export.name, specExport: export.specExportName, type: export.type.rawValue,
                timezone: export.timezone,
                window: Window(
                    start: instant(export.windowStartMillis, clock), end: instant(export.windowEndMillis, clock)),
                timeSlicing: export.timeSlicing, timeWindows: export.timeWindowCount, fanOut: export.fanOutCount,
                notes: export.notes, chunkCount: export.chunks.count, expectedRows: export.expectedRows,
                expectedSeconds: seconds(export.expectedSeconds),
                learnedDuration: export.learnedDuration.map { learned in
                    Learned(
                        estimatedSeconds: seconds(export.estimatedSeconds), jobs: learned.jobs,
                        ratio: learned.shownRatio,
                        secondsPer1000Rows: learned.secondsPer1000Rows.map { ($0 * 1000).rounded() / 1000 })
                }, chunks: chunks)
        }
        let e = plan.estimate
        estimate = Estimate(
            jobs: e.jobCount, totalJobSeconds: seconds(e.totalJobSeconds),
            longestJobSeconds: seconds(e.longestJobSeconds),
            users: e.users, runningPerUser: e.runningPerUser, slots: e.slots,
            wallSecondsLowerBound: seconds(e.wallSecondsLowerBound), note: e.note)
        warnings = plan.warnings.map(\.description)
    }
}

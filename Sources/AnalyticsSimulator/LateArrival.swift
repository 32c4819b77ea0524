import AnalyticsAPI

/// Late data (`exportpipe simulator --late-days N`): the API does not know every row the moment it happens.
///
/// A share of each export's events (`share`) reaches the API only some time after the event, uniformly up to
/// `days` days later; another share (`revisedShare`) is there at once but with provisional field values, revised to
/// their final ones at a moment up to `days` days later. All of it is a pure function of the seed and the event:
/// an export asked at API time T returns the events that had arrived by T, each with its values as of T. Exported
/// again `days` days after a window's end, a window is final: that is what `run.settle` waits for, and a `settle`
/// shorter than `days` keeps a partition that later changes.
///
/// Only exports built from events are late (the event exports and `conversation`); the aggregates are not.
public struct LateArrival: Sendable, Hashable, Codable {
    /// Rows are final this many days after their time at the latest.
    public var days: Int
    /// The share of events that arrive late.
    public var share: Double
    /// The share of events whose field values change until they are final.
    public var revisedShare: Double

    public init(days: Int, share: Double = 0.25, revisedShare: Double = 0.25) {
        self.days = days
        self.share = share
        self.revisedShare = revisedShare
    }

    /// The late data of `seed`'s company seen at API time `asOfMillis`.
    func view(seed: UInt64, asOfMillis: Int64) -> View { View(late: self, seed: seed, asOfMillis: asOfMillis) }

    /// When an event reaches the API and when its values are final: both at its time unless it is late or revised.
    func schedule(seed: UInt64, type: ExportType, id: Int64, time: Int64) -> (arrives: Int64, final: Int64) {
        schedule(seed: seed, tag: Self.tag(type), id: id, time: time)
    }

    static func tag(_ type: ExportType) -> UInt64 { DeterministicRandom.tag("late:" + type.rawValue) }

    fileprivate func schedule(seed: UInt64, tag: UInt64, id: Int64, time: Int64) -> (arrives: Int64, final: Int64) {
        var random = DeterministicRandom(seed, tag, id.hashBits)
        let span = Double(Int64(days) * 86_400_000)
        let late = random.unit() < share
        let lateBy = random.unit()
        let revised = random.unit() < revisedShare
        let revisedBy = random.unit()
        // Whole seconds after the event, at least one: a late row is never there at its own time.
        func after(_ fraction: Double) -> Int64 { time + max(1_000, Int64(fraction * span) / 1_000 * 1_000) }
        let arrives = late ? after(lateBy) : time
        return (arrives, revised ? max(arrives, after(revisedBy)) : arrives)
    }

    /// The late data as seen at one instant.
    struct View: Sendable, Hashable {
        var late: LateArrival
        var seed: UInt64
        var asOfMillis: Int64

        /// `events` as the API holds them at `asOfMillis`: those not yet arrived left out, those not yet final
        /// with their provisional values (another draw of the fields that follow from `extra`).
        func applied(to events: [ExportDataGenerator.Event], type: ExportType) -> [ExportDataGenerator.Event] {
            guard late.days > 0 else { return events }
            let tag = LateArrival.tag(type)
            var result: [ExportDataGenerator.Event] = []
            result.reserveCapacity(events.count)
            for event in events {
                let (arrives, final) = late.schedule(seed: seed, tag: tag, id: event.id, time: event.time)
                guard arrives <= asOfMillis else { continue }
                var seen = event
                if final > asOfMillis { seen.extra = DeterministicRandom.mix([event.extra, 0x5052_4F56]) }
                result.append(seen)
            }
            return result
        }
    }
}

extension ExportDataGenerator {
    /// The data as the API holds it at API time `asOfMillis` under `late` (this generator itself when there is no
    /// late data).
    public func asOf(_ asOfMillis: Int64, late: LateArrival?) -> ExportDataGenerator {
        guard let late, late.days > 0 else { return self }
        var copy = self
        copy.lateView = late.view(seed: company.seed, asOfMillis: asOfMillis)
        return copy
    }
}

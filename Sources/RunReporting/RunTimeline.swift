import Foundation

/// Every job of one run laid out on its user's slots, from the run log's events: when each was at the server
/// (queued, then running when the executor reports it), when its file was downloaded, and where rejections,
/// retries, splits and failures happened. Pure: events in, intervals and lanes out.
public struct RunTimeline: Sendable, Hashable {
    public enum Phase: String, Sendable, Hashable {
        /// Submitted and not yet seen running (a job whose start the executor does not report stays here).
        case queued
        case running
        case downloading
    }

    public enum Mark: String, Sendable, Hashable {
        case rejected
        case retrying
        case split
        case failed
        case stuck
    }

    public struct Segment: Sendable, Hashable {
        public var chunk: String
        public var export: String
        public var user: String
        /// The user's slot lane, from 0; for a download, the download lane (downloads hold no slot).
        public var lane: Int
        public var phase: Phase
        /// Seconds since the run started.
        public var start: Double
        public var end: Double
    }

    public struct Marker: Sendable, Hashable {
        public var chunk: String
        public var user: String
        public var lane: Int
        public var mark: Mark
        public var at: Double
        public var message: String?
    }

    /// Users in display order, with the lanes each needs (at least its slots).
    public var lanes: [(user: String, count: Int)]
    /// Lanes the downloads need (downloads run beside the jobs, after their slot is free).
    public var downloadLanes: Int
    public var segments: [Segment]
    public var markers: [Marker]
    /// Seconds from the run's start to its end (or to now, while it is going).
    public var duration: Double
    /// `(time, jobs at the server)` after each change, starting at `(0, 0)`.
    public var atServer: [(time: Double, count: Int)]
    /// Slot-seconds the jobs were at the server.
    public var busySeconds: Double

    public static func == (a: RunTimeline, b: RunTimeline) -> Bool {
        a.segments == b.segments && a.markers == b.markers && a.duration == b.duration
            && a.downloadLanes == b.downloadLanes && a.lanes.map(\.user) == b.lanes.map(\.user)
            && a.lanes.map(\.count) == b.lanes.map(\.count)
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(segments)
        hasher.combine(markers)
    }

    /// - Parameters:
    ///   - start, end: the run's wall-clock start and end (seconds since 1970).
    ///   - slotsPerUser: lanes drawn for every user even when fewer were used.
    public init(events: [RunEventLog.Event], users: [String], start: Double, end: Double, slotsPerUser: Int) {
        struct Open {
            var chunk: String
            var export: String
            var user: String
            var phase: Phase
            var since: Double
            var lane: Int
        }
        var open: [String: Open] = [:]  // at the server, by chunk
        var downloading: [String: Open] = [:]
        var laneOf: [String: (user: String, lane: Int)] = [:]  // the last lane a chunk used
        var busyLanes: [String: Set<Int>] = [:]
        var busyDownloads = Set<Int>()
        var downloadLaneCount = 0
        var laneCount: [String: Int] = [:]
        var segments: [Segment] = []
        var markers: [Marker] = []
        var series: [(Double, Int)] = [(0, 0)]
        var busy = 0.0
        let duration = max(0, end - start)

        func close(_ job: Open, at time: Double) {
            if job.phase == .downloading { busyDownloads.remove(job.lane) }
            segments.append(
                Segment(
                    chunk: job.chunk, export: job.export, user: job.user, lane: job.lane, phase: job.phase,
                    start: job.since, end: max(job.since, time)))
        }
        func leaveServer(_ chunk: String, at time: Double) -> Open? {
            guard let job = open.removeValue(forKey: chunk) else { return nil }
            close(job, at: time)
            busyLanes[job.user]?.remove(job.lane)
            series.append((time, open.count))
            return job
        }
        func mark(_ chunk: String, _ kind: Mark, at time: Double, message: String?, user: String?) {
            let place = laneOf[chunk] ?? (user ?? users.first ?? "", 0)
            markers.append(
                Marker(chunk: chunk, user: place.user, lane: place.lane, mark: kind, at: time, message: message))
        }

        for event in events {
            let time = min(duration, max(0, event.at - start))
            guard let chunk = event.chunk else { continue }
            switch event.kind {
            case "submitted", "reattached":
                let user = event.user ?? users.first ?? ""
                var taken = busyLanes[user, default: []]
                let lane = (0...).first { !taken.contains($0) }!
                taken.insert(lane)
                busyLanes[user] = taken
                laneCount[user] = max(laneCount[user] ?? 0, lane + 1)
                laneOf[chunk] = (user, lane)
                open[chunk] = Open(
                    chunk: chunk, export: event.export ?? "", user: user, phase: .queued, since: time, lane: lane)
                series.append((time, open.count))
            case "running":
                if var job = open[chunk], job.phase == .queued {
                    close(job, at: time)
                    job.phase = .running
                    job.since = time
                    open[chunk] = job
                }
            case "completed":
                if var job = leaveServer(chunk, at: time) {
                    job.phase = .downloading
                    job.since = time
                    job.lane = (0...).first { !busyDownloads.contains($0) }!
                    busyDownloads.insert(job.lane)
                    downloadLaneCount = max(downloadLaneCount, job.lane + 1)
                    downloading[chunk] = job
                }
            case "verified":
                if let job = downloading.removeValue(forKey: chunk) { close(job, at: time) }
            case "rejected", "retrying", "split", "failed", "stuck":
                _ = leaveServer(chunk, at: time)
                if let job = downloading.removeValue(forKey: chunk) { close(job, at: time) }
                mark(chunk, Mark(rawValue: event.kind)!, at: time, message: event.message, user: event.user)
            default:
                break
            }
        }
        // Still open when the log ends (the run is going, or was interrupted): drawn up to the end.
        for job in open.values.sorted(by: { $0.since < $1.since }) { _ = leaveServer(job.chunk, at: duration) }
        for job in downloading.values.sorted(by: { $0.since < $1.since }) { close(job, at: duration) }
        for segment in segments where segment.phase != .downloading { busy += segment.end - segment.start }

        var ordered = users
        for user in laneCount.keys.sorted() where !ordered.contains(user) { ordered.append(user) }
        lanes = ordered.map { ($0, max(slotsPerUser, laneCount[$0] ?? 0, 1)) }
        self.segments = segments.sorted { ($0.start, $0.chunk) < ($1.start, $1.chunk) }
        self.markers = markers
        downloadLanes = downloadLaneCount
        self.duration = duration
        atServer = series
        busySeconds = busy
    }

    /// The most jobs at the server at once.
    public var peakAtServer: Int { atServer.map(\.count).max() ?? 0 }
}

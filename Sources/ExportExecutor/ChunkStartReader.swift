import AnalyticsAPI
import ExportBasics
import ExportScheduling
import Foundation

/// Reads the journal into the core's starting state: sorts the journal's chunks for the run's items into done, to
/// download, to re-attach, to hold and to submit, and finds jobs still in flight for chunks no longer in the plan
/// (a rolling window moves every run). A verified chunk whose file changed or whose window had not settled is
/// planned again (journaled, and told through `emit`).
struct ChunkStartReader {
    let journal: Journal
    let configuration: ExecutorConfiguration
    let emit: @Sendable (ProgressEvent) -> Void

    func starts(for items: [WorkItem]) throws -> [ChunkStart] {
        let records = try journal.records()
        let byId = Dictionary(records.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        let children = Dictionary(grouping: records.filter { $0.parentId != nil }, by: { $0.parentId! })
        let zones = Dictionary(items.map { ($0.exportName, $0.timeZone) }, uniquingKeysWith: { first, _ in first })
        var seen = Set<String>()
        var starts: [ChunkStart] = []

        func visit(_ id: String) throws {
            guard seen.insert(id).inserted, let record = byId[id] else { return }
            var item = record.workItem
            item.timeZone = zones[item.exportName] ?? nil
            switch record.state {
            case .split:
                starts.append(ChunkStart(item, attempts: record.attempts, .split, user: nil))
                for child in children[id] ?? [] { try visit(child.id) }
            case .verified:
                if let problem = staleness(of: record) {
                    try journal.replan(id, reason: problem)
                    emit(ProgressEvent(.replanned, chunk: id, export: record.exportName, message: problem))
                    starts.append(ChunkStart(item))
                } else {
                    starts.append(.verified(item, rows: record.rows ?? 0, bytes: record.bytes ?? 0))
                }
            case .completed:
                if record.downloadUrl != nil {
                    starts.append(
                        ChunkStart(
                            item, attempts: record.attempts, .completed, user: owner(of: record), job: job(of: record)))
                } else {
                    try journal.replan(id, reason: "completed without a download link")
                    starts.append(ChunkStart(item))
                }
            case .submitted:
                starts.append(
                    ChunkStart(
                        item, attempts: record.attempts, .submitted, user: owner(of: record), job: job(of: record)))
            case .submitting:
                starts.append(ChunkStart(item, attempts: record.attempts, .submitting, user: owner(of: record)))
            case .planned:
                starts.append(ChunkStart(item, attempts: record.attempts))
            case .failed:
                try journal.replan(id, reason: "retrying a chunk that failed before")
                starts.append(ChunkStart(item))
            }
        }
        for item in items { try visit(item.id) }
        // Jobs in flight for chunks no longer in the plan: still counted against the limits until CLOSED.
        for record in records where !seen.contains(record.id) && record.state.mayBeOutstanding {
            let item = record.workItem
            let job = record.state == .submitted ? job(of: record) : nil
            starts.append(.orphan(item, attempts: record.attempts, user: owner(of: record), job: job))
        }
        return starts
    }

    private func job(of record: ChunkRecord) -> SubmittedJob {
        SubmittedJob(
            workflowId: record.workflowId ?? "", runId: record.runId ?? "", statusURL: record.statusUrl ?? "",
            downloadURL: record.downloadUrl)
    }

    /// Why a verified chunk must be exported again, or nil when it still stands.
    private func staleness(of record: ChunkRecord) -> String? {
        guard let file = record.file, let sha = record.sha256 else { return "the journal has no file for it" }
        let path = configuration.stateDirectory + "/" + file
        guard let actual = try? Hex.sha256(ofFileAt: path) else { return "its file \(file) is missing" }
        guard actual == sha else { return "its file \(file) has changed since it was verified" }
        if let verifiedAt = record.verifiedAt,
            verifiedAt < Double(record.windowEnd) / 1000 + configuration.settleSeconds
        {
            return "its window ended within the settle period when it was exported (late data)"
        }
        return nil
    }

    private func owner(of record: ChunkRecord) -> String {
        if let user = record.user, configuration.users.contains(where: { $0.username == user }) { return user }
        return configuration.users[0].username
    }
}

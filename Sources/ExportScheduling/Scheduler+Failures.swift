import AnalyticsAPI

extension Scheduler {
    /// Applies the failure policy to chunk `id` (its slot already released or held): retry, split, fail, stop.
    mutating func failed(_ id: String, _ failure: Failure, now: Double) -> [SchedulerEffect] {
        guard let entry = entries[id] else { return [] }
        let item = entry.item
        let spent = entry.attempts + 1
        var children: [WorkItem] = []
        if failure.failureClass == .sizeRelated, let halves = splitter(item), halves.count > 1 {
            children = halves.map { half in
                var half = half
                half.parentId = item.id
                return half
            }
        }
        let policy = configuration.failure
        switch policy.decide(failure.failureClass, spent: spent, canSplit: !children.isEmpty) {
        case .stopRun:
            return stop(id, failure)
        case .split:
            entries[id]?.phase = .done
            entries[id]?.attempts = spent
            counters.splits += 1
            let effects: [SchedulerEffect] = [
                .journal(.split(chunk: id, error: failure.message, children: children)),
                .notify(
                    ProgressEvent(
                        .split, chunk: id, export: item.exportName,
                        message: "\(item.windowDescription): \(failure.message); split into "
                            + children.map(\.id).joined(separator: ", "))),
            ]
            for child in children where entries[child.id] == nil || isDoneAndFailed(child.id) {
                var child = child
                child.parentId = id
                lineage[child.id] = id
                if child.timeZone == nil { child.timeZone = item.timeZone }
                entries[child.id] = Entry(item: child, phase: .waiting(notBefore: now), attempts: 0)
                if !order.contains(child.id) { order.append(child.id) }
            }
            return effects
        case .retry(let after):
            entries[id]?.attempts = spent
            entries[id]?.phase = .waiting(notBefore: now + after)
            counters.retries += 1
            let when = after > 0 ? "in \(Int(after.rounded())) s" : "now"
            return [
                .journal(.attemptFailed(chunk: id, error: failure.message, final: false)),
                .notify(
                    ProgressEvent(
                        .retrying, chunk: id, export: item.exportName,
                        message: "\(item.windowDescription): \(failure.message); try \(spent + 1) of "
                            + "\(policy.attempts) \(when)")),
            ]
        case .fail, .backOff:
            entries[id]?.attempts = spent
            return failForGood(id, error: failure.message, now: now)
        }
    }

    private func isDoneAndFailed(_ id: String) -> Bool {
        counters.failed.contains { $0.id == id }
    }

    /// The chunk failed for good; several in a row of one export with the same error stop that export.
    mutating func failForGood(_ id: String, error: String, now: Double) -> [SchedulerEffect] {
        guard let entry = entries[id] else { return [] }
        let item = entry.item
        entries[id]?.phase = .done
        let text =
            "\(item.windowDescription): \(error); failed for good after \(max(1, entries[id]?.attempts ?? 1)) "
            + "tries: the export is not merged (its previous output is untouched); fix the cause and run again"
        counters.failed.append(
            .init(
                id: id, exportName: item.exportName, windowStart: item.request.startTime,
                windowEnd: item.request.endTime, error: text))
        var effects: [SchedulerEffect] = [
            .journal(.attemptFailed(chunk: id, error: text, final: true)),
            .notify(ProgressEvent(.failed, chunk: id, export: item.exportName, message: text)),
        ]
        var streak = failureStreaks[item.exportName] ?? (error, 0)
        streak = streak.error == error ? (error, streak.count + 1) : (error, 1)
        failureStreaks[item.exportName] = streak
        if streak.count >= configuration.failure.failureBudget && !stoppedExports.contains(item.exportName) {
            effects += stopExport(item.exportName, error: error, count: streak.count)
        }
        return effects
    }

    /// The failure budget of `export` is spent: its chunks not yet submitted fail with one message.
    mutating func stopExport(_ export: String, error: String, count: Int) -> [SchedulerEffect] {
        stoppedExports.insert(export)
        counters.stoppedExports.append(export)
        let text =
            "export \(export) stopped: \(count) chunks in a row failed for good with the same error (\(error)); "
            + "its remaining chunks are not submitted. Fix the cause and run again"
        var effects: [SchedulerEffect] = [.notify(ProgressEvent(.exportStopped, export: export, message: text))]
        for id in order {
            guard let entry = entries[id], entry.item.exportName == export, case .waiting = entry.phase else {
                continue
            }
            entries[id]?.phase = .done
            counters.failed.append(
                .init(
                    id: id, exportName: export, windowStart: entry.item.request.startTime,
                    windowEnd: entry.item.request.endTime, error: text))
            effects.append(.journal(.attemptFailed(chunk: id, error: text, final: true)))
        }
        return effects
    }

    /// The credentials were refused: nothing can succeed; the run stops, the journal keeps what is in flight.
    mutating func stop(_ id: String, _ failure: Failure) -> [SchedulerEffect] {
        let item = entries[id]?.item
        let reason = StopReason.credentials(failure.message)
        stopped = reason
        var effects: [SchedulerEffect] = []
        if let item, case .submitting = entries[id]?.phase {
            effects.append(.journal(.attemptFailed(chunk: item.id, error: failure.message, final: false)))
        }
        return effects + [.stop(reason)]
    }
}

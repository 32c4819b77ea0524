import Foundation

/// Where the scopes' `SlotTable`s live, and how a waiter learns that one changed.
///
/// A store runs each input in one transaction (read the table, apply the input, write it back if it changed), so
/// every process that shares the store sees one order of inputs; the rules themselves are `SlotTable`'s.
protocol SlotTableStore: Sendable {
    /// Runs `body` on the scope's table at the store's "now", in one transaction; saves the table if it changed
    /// (nothing is saved when `body` throws). Returns `body`'s result and the table's `version` afterwards.
    func transact<Result: Sendable>(
        _ scope: SlotScope, _ body: @escaping @Sendable (inout SlotTable, Date) throws -> Result
    ) async throws -> (Result, version: Int)

    /// Returns once the scope's table has a version other than `version`, or after `timeout` seconds (real time),
    /// whichever comes first; a spurious early return is allowed.
    /// - Throws: `CancellationError` when the task is cancelled.
    func waitForChange(_ scope: SlotScope, from version: Int, timeout: TimeInterval) async throws

    func close() async
}

/// Wakes in-process waiters when a scope's table reaches a new version.
actor ChangeSignal {
    private struct Waiting {
        var key: String
        var from: Int
        var continuation: CheckedContinuation<Void, Never>
    }
    private var latest: [String: Int] = [:]
    private var waiting: [UUID: Waiting] = [:]
    private var finished: Set<UUID> = []

    /// The scope `key` reached `version`.
    func publish(_ key: String, version: Int) {
        guard version > latest[key] ?? Int.min else { return }
        latest[key] = version
        for (id, entry) in waiting where entry.key == key && entry.from != version {
            waiting[id] = nil
            entry.continuation.resume()
        }
    }

    /// Waits until `key` is known at a version above `from`, or `timeout` seconds pass.
    func wait(_ key: String, from version: Int, timeout: TimeInterval) async throws {
        if let latest = latest[key], latest > version { return }
        let id = UUID()
        let timer = Task { [weak self] in
            try? await Task.sleep(nanoseconds: UInt64(max(0, timeout) * 1e9))
            guard !Task.isCancelled else { return }
            await self?.finish(id)
        }
        defer { timer.cancel() }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                if finished.remove(id) != nil {
                    continuation.resume()
                } else {
                    waiting[id] = Waiting(key: key, from: version, continuation: continuation)
                }
            }
        } onCancel: {
            Task { await self.finish(id) }
        }
        finished.remove(id)
        try Task.checkCancellation()
    }

    private func finish(_ id: UUID) {
        if let entry = waiting.removeValue(forKey: id) {
            entry.continuation.resume()
        } else {
            finished.insert(id)
        }
    }
}

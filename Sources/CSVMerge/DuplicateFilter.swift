/// Streaming de-duplication that remembers a bounded set of row keys.
///
/// Grouped form: only the keys of rows sharing the current group value (the current timestamp or sort key) are
/// kept, and the set is emptied when the value changes; duplicates at chunk edges share their timestamp, so they
/// are caught while memory holds one timestamp's keys. Ungrouped form: the last `recentLimit` keys are kept.
final class DuplicateFilter {
    private var seen: Set<[UInt8]> = []
    private var group = RecordKey()
    private var hasGroup = false
    private var recent: [[UInt8]] = []
    private var recentNext = 0
    private let recentLimit: Int

    init(recentLimit: Int) {
        self.recentLimit = max(recentLimit, 1)
    }

    /// Whether `key` was seen in the current group; records it otherwise.
    func isDuplicate(key: [UInt8], group: RecordKey) -> Bool {
        // Compared as the sort compares (instants, numbers), so one instant written in two offsets is one group.
        if !hasGroup || RecordKey.compare(group, self.group) != 0 {
            seen.removeAll(keepingCapacity: true)
            self.group.copy(from: group)
            hasGroup = true
        }
        return !seen.insert(key).inserted
    }

    /// Boundary form: the keys of the previous input's last `recentLimit` rows, and whether the current input is
    /// still in its overlap with them.
    private var boundary: Set<[UInt8]> = []
    private var inOverlap = false

    /// Starts the next input of a boundary de-duplication: the rows remembered so far become the boundary.
    func beginInput() {
        boundary = seen
        seen.removeAll(keepingCapacity: true)
        recent.removeAll(keepingCapacity: true)
        recentNext = 0
        inOverlap = !boundary.isEmpty
    }

    /// Whether `key` repeats one of the previous input's last rows while this input is still in the overlap (its
    /// leading rows that the previous one also has); records it otherwise.
    func isBoundaryDuplicate(key: [UInt8]) -> Bool {
        if inOverlap {
            if boundary.contains(key) { return true }
            inOverlap = false
            boundary.removeAll()
        }
        _ = isRecentDuplicate(key: key)
        return false
    }

    /// Whether `key` is among the last `recentLimit` keys; records it otherwise.
    func isRecentDuplicate(key: [UInt8]) -> Bool {
        if seen.contains(key) { return true }
        if recent.count < recentLimit {
            recent.append(key)
        } else {
            seen.remove(recent[recentNext])
            recent[recentNext] = key
            recentNext = (recentNext + 1) % recentLimit
        }
        seen.insert(key)
        return false
    }
}

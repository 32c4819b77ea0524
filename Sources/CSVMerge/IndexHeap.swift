/// A binary min-heap of small integers (input indexes) ordered by a comparison passed to each operation.
///
/// The k-way merge keeps one entry per input; it replaces the top after advancing that input, which costs one
/// sift-down instead of a pop and a push. The comparison is passed per call (not stored) so that it can read the
/// caller's local key array without boxing it: that keeps the merge loop free of dynamic exclusivity checks.
struct IndexHeap {
    private(set) var items: [Int] = []

    var top: Int? { items.first }

    mutating func insert(_ item: Int, by less: (Int, Int) -> Bool) {
        items.append(item)
        var child = items.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard less(items[child], items[parent]) else { break }
            items.swapAt(child, parent)
            child = parent
        }
    }

    /// Restores the order after the top's key changed.
    mutating func topChanged(by less: (Int, Int) -> Bool) {
        siftDown(by: less)
    }

    mutating func removeTop(by less: (Int, Int) -> Bool) {
        guard !items.isEmpty else { return }
        let last = items.removeLast()
        guard !items.isEmpty else { return }
        items[0] = last
        siftDown(by: less)
    }

    private mutating func siftDown(by less: (Int, Int) -> Bool) {
        var parent = 0
        let count = items.count
        while true {
            let left = 2 * parent + 1
            guard left < count else { return }
            var smallest = left
            let right = left + 1
            if right < count && less(items[right], items[left]) { smallest = right }
            guard less(items[smallest], items[parent]) else { return }
            items.swapAt(smallest, parent)
            parent = smallest
        }
    }
}

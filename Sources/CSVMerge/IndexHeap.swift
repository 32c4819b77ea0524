/// A binary min-heap of small integers (input indexes) ordered by a caller's comparison.
///
/// The k-way merge keeps one entry per input; it replaces the top after advancing that input, which costs one
/// sift-down instead of a pop and a push.
struct IndexHeap {
    private(set) var items: [Int] = []
    private let less: (Int, Int) -> Bool

    init(less: @escaping (Int, Int) -> Bool) {
        self.less = less
    }

    var top: Int? { items.first }

    mutating func insert(_ item: Int) {
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
    mutating func topChanged() {
        siftDown(from: 0)
    }

    mutating func removeTop() {
        guard !items.isEmpty else { return }
        let last = items.removeLast()
        guard !items.isEmpty else { return }
        items[0] = last
        siftDown(from: 0)
    }

    private mutating func siftDown(from start: Int) {
        var parent = start
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

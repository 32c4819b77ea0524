extension ChunkRecord {
    /// The chunks that stand for `ids` now: each id's record itself, or the halves it was split into, recursively,
    /// in the order of `ids`. Ids the journal has no record of are left out (`missing` counts them).
    ///
    /// The one rule every count of "chunks done of planned" follows: the end-of-run table, the summary, the report
    /// and `exportpipe status` all count a plan's leaves.
    public static func leaves(of ids: [String], in records: [ChunkRecord]) -> (leaves: [ChunkRecord], missing: Int) {
        let byId = Dictionary(records.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        var children: [String: [ChunkRecord]] = [:]
        for record in records { if let parent = record.parentId { children[parent, default: []].append(record) } }
        var result: [ChunkRecord] = []
        var missing = 0
        var seen = Set<String>()
        func visit(_ id: String, root: Bool) {
            guard seen.insert(id).inserted else { return }
            guard let record = byId[id] else {
                if root { missing += 1 }
                return
            }
            if record.state == .split {
                for child in children[id] ?? [] { visit(child.id, root: false) }
            } else {
                result.append(record)
            }
        }
        for id in ids { visit(id, root: true) }
        return (result, missing)
    }
}

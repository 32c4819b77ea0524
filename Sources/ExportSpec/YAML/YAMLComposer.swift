/// Turns the parser's events into one `YAMLNode` tree, resolving anchors and enforcing `YAMLLimits`.
struct YAMLComposer {
    /// A fatal problem: composing stops and the document is not used.
    struct Stop: Error, CustomStringConvertible {
        var diagnostic: Diagnostic
        var description: String { diagnostic.description }
    }

    /// A node with what it costs to use it again through an alias.
    private struct Composed {
        var node: YAMLNode
        /// Nodes it expands to, itself included.
        var size: Int
        /// Levels of nesting below and including it.
        var height: Int
    }

    private let parser: YAMLParser
    private let limits: YAMLLimits
    private let file: String
    private var anchors: [String: Composed] = [:]
    private var nodeCount = 0
    private var aliasesUsed = false
    /// Non-fatal problems (duplicate keys, bad merges).
    private(set) var diagnostics: [Diagnostic] = []

    init(parser: YAMLParser, limits: YAMLLimits, file: String) {
        self.parser = parser
        self.limits = limits
        self.file = file
    }

    private func location(_ line: Int, _ column: Int) -> SourceLocation {
        SourceLocation(file: file, line: line, column: column)
    }

    private func stop(_ message: String, _ line: Int, _ column: Int, fix: String? = nil) -> Stop {
        Stop(diagnostic: .error(at: location(line, column), message, fix: fix))
    }

    /// Reads the whole stream, which must hold exactly one document.
    mutating func composeStream() throws -> YAMLNode {
        guard case .streamStart = try parser.next() else { throw stop("the YAML stream does not start", 1, 1) }
        guard case .documentStart = try parser.next() else {
            throw stop(
                "the file is empty", 1, 1, fix: "a pipeline file is a YAML mapping that starts with 'version: 1'")
        }
        let root = try compose(try parser.next(), depth: 1).node
        guard case .documentEnd = try parser.next() else { throw stop("the YAML document does not end", 1, 1) }
        switch try parser.next() {
        case .streamEnd:
            return root
        case .documentStart(let line, let column):
            throw stop(
                "the file holds more than one YAML document (a second one starts here)", line, column,
                fix: "a pipeline file holds exactly one document; split it into one file per pipeline")
        default:
            throw stop("unexpected content after the YAML document", 1, 1)
        }
    }

    private mutating func count(_ nodes: Int, _ line: Int, _ column: Int) throws {
        nodeCount += nodes
        guard nodeCount > limits.maxNodes else { return }
        if aliasesUsed {
            throw stop(
                "the document expands to more than \(limits.maxNodes) nodes through aliases (an alias bomb?)", line,
                column, fix: "use anchors and aliases sparingly; a pipeline file is small")
        }
        throw stop(
            "the document has more than \(limits.maxNodes) nodes", line, column,
            fix: "a pipeline file is small; check that the right file was given")
    }

    private func checkDepth(_ depth: Int, _ line: Int, _ column: Int) throws {
        if depth > limits.maxDepth {
            throw stop(
                "the document nests deeper than \(limits.maxDepth) levels", line, column,
                fix: "a pipeline file needs only a few levels of nesting")
        }
    }

    private mutating func register(_ anchor: String?, _ composed: Composed) {
        if let anchor { anchors[anchor] = composed }
    }

    private mutating func compose(_ event: YAMLEvent, depth: Int) throws -> Composed {
        switch event {
        case .scalar(let scalar, let anchor, let line, let column):
            try count(1, line, column)
            let composed = Composed(
                node: YAMLNode(.scalar(scalar), line: line, column: column, tag: scalar.tag), size: 1, height: 1)
            register(anchor, composed)
            return composed
        case .alias(let anchor, let line, let column):
            guard var composed = anchors[anchor] else {
                throw stop(
                    "unknown alias '*\(anchor)'", line, column,
                    fix: "define the anchor '&\(anchor)' before the alias that uses it")
            }
            aliasesUsed = true
            try count(composed.size, line, column)
            try checkDepth(depth + composed.height - 1, line, column)
            composed.node.line = line
            composed.node.column = column
            return composed
        case .sequenceStart(let anchor, let tag, let line, let column):
            try checkDepth(depth, line, column)
            try count(1, line, column)
            var items: [YAMLNode] = []
            var size = 1
            var height = 1
            while true {
                let next = try parser.next()
                if case .sequenceEnd = next { break }
                let child = try compose(next, depth: depth + 1)
                items.append(child.node)
                size += child.size
                height = max(height, child.height + 1)
            }
            let composed = Composed(
                node: YAMLNode(.sequence(items), line: line, column: column, tag: tag), size: size, height: height)
            register(anchor, composed)
            return composed
        case .mappingStart(let anchor, let tag, let line, let column):
            try checkDepth(depth, line, column)
            try count(1, line, column)
            var pairs: [YAMLPair] = []
            var merged: [YAMLPair] = []
            var firstKeys: [String: YAMLNode] = [:]
            var size = 1
            var height = 1
            while true {
                let next = try parser.next()
                if case .mappingEnd = next { break }
                let key = try compose(next, depth: depth + 1)
                let value = try compose(try parser.next(), depth: depth + 1)
                size += key.size + value.size
                height = max(height, key.height + 1, value.height + 1)
                if let scalar = key.node.scalar, scalar.style == .plain, scalar.value == "<<",
                    scalar.tag == nil || scalar.tag == YAMLScalar.tagPrefix + "merge"
                {
                    merged += mergeSources(value.node)
                    continue
                }
                if let text = key.node.scalar?.value {
                    if let first = firstKeys[text] {
                        diagnostics.append(
                            .error(
                                at: location(key.node.line, key.node.column),
                                "duplicate key '\(text)' (first defined at line \(first.line), column \(first.column))",
                                fix: "remove one of them; YAML would silently keep only one"))
                        continue
                    }
                    firstKeys[text] = key.node
                }
                pairs.append(YAMLPair(key: key.node, value: value.node))
            }
            for pair in merged {
                guard let text = pair.key.scalar?.value, firstKeys[text] == nil else { continue }
                firstKeys[text] = pair.key
                pairs.append(pair)
            }
            let composed = Composed(
                node: YAMLNode(.mapping(pairs), line: line, column: column, tag: tag), size: size, height: height)
            register(anchor, composed)
            return composed
        case .streamStart, .streamEnd, .documentStart, .documentEnd, .sequenceEnd, .mappingEnd:
            throw stop("unexpected YAML structure", 1, 1)
        }
    }

    /// The pairs a `<<` value brings in: a mapping, or a list of mappings where earlier ones win.
    private mutating func mergeSources(_ value: YAMLNode) -> [YAMLPair] {
        if let pairs = value.mapping { return pairs }
        if let items = value.sequence, items.allSatisfy({ $0.mapping != nil }) {
            return items.flatMap { $0.mapping ?? [] }
        }
        diagnostics.append(
            .error(
                at: location(value.line, value.column), "'<<' (merge key) needs a mapping or a list of mappings",
                fix: "write '<<: *anchor' where the anchor names a mapping"))
        return []
    }
}

/// Bounds on what the YAML loader accepts, so a hostile or broken file is refused instead of exhausting memory.
public struct YAMLLimits: Sendable, Hashable {
    /// The largest file accepted, in bytes (a pipeline file is a few KiB).
    public var maxBytes: Int
    /// The most nodes a document may produce, counting every node an alias expands to (stops "billion laughs").
    public var maxNodes: Int
    /// The deepest nesting of sequences and mappings, aliases included.
    public var maxDepth: Int

    public init(maxBytes: Int = 4 << 20, maxNodes: Int = 100_000, maxDepth: Int = 64) {
        self.maxBytes = maxBytes
        self.maxNodes = maxNodes
        self.maxDepth = maxDepth
    }

    /// The limits `exportpipe` uses.
    public static let standard = YAMLLimits()
}

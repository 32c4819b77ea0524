import CSVMerge

/// A partition and the window its file holds: the partition's own, or the part of it inside the export's window.
public struct PartitionWindow: Sendable, Hashable {
    public var key: PartitionKey
    public var window: TimeWindow

    public init(key: PartitionKey, window: TimeWindow) {
        self.key = key
        self.window = window
    }
}

/// One chunk file to merge, with what the plan knows of it.
public struct MergeInput: Sendable, Hashable {
    /// The chunk file's path.
    public var path: String
    /// The chunk's id (for the manifest); defaults to the file name without extension.
    public var id: String
    /// The time window the chunk covers, when known; concatenation writes chunks in window order.
    public var window: TimeWindow?
    /// The fan-out tag (team, work queue, smart view) that made this chunk, when there is one.
    public var tag: String?
    /// How times without an offset are read: in the zone the chunk was requested in.
    public var timeReading: TimeReading
    /// Which number of a slash date is the month: from the locale the chunk was requested in.
    public var dateOrder: DateOrder

    public init(
        path: String, id: String? = nil, window: TimeWindow? = nil, tag: String? = nil, timeReading: TimeReading = .utc,
        dateOrder: DateOrder = .monthFirst
    ) {
        self.dateOrder = dateOrder
        self.path = path
        let name = path.split(separator: "/").last.map(String.init) ?? path
        self.id = id ?? (name.hasSuffix(".csv") ? String(name.dropLast(4)) : name)
        self.window = window
        self.tag = tag
        self.timeReading = timeReading
    }
}

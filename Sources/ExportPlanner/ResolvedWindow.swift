/// A window resolved to instants.
struct ResolvedWindow: Sendable, Hashable {
    var start: Int64
    var end: Int64
    /// Whether the start was moved up to the retention horizon.
    var clipped: Bool
}

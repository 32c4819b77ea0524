import AnalyticsAPI

/// A deterministic random number generator, so property tests replay exactly from their seed.
public typealias SeededGenerator = SplitMix64

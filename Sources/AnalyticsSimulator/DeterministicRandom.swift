import AnalyticsAPI

/// A small, fast, seedable random generator (SplitMix64) and the hashing used to derive per-slot seeds.
///
/// Everything the simulator generates is a pure function of the seed and a few integers (export, hour slot,
/// entity id), so the same inputs always give the same bytes on every machine and Swift version.
struct DeterministicRandom: RandomNumberGenerator, Sendable {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    /// A generator seeded from a mix of values.
    init(_ parts: UInt64...) { state = DeterministicRandom.mix(parts) }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        return DeterministicRandom.finalize(state)
    }

    /// A uniform double in [0, 1).
    mutating func unit() -> Double { Double(next() >> 11) * 0x1.0p-53 }

    /// A uniform integer in `range`.
    mutating func int(_ range: ClosedRange<Int>) -> Int {
        let span = UInt64(range.upperBound - range.lowerBound + 1)
        return range.lowerBound + Int(next() % span)
    }

    /// One element of a non-empty array.
    mutating func pick<T>(_ values: [T]) -> T { values[Int(next() % UInt64(values.count))] }

    /// True with probability `p`.
    mutating func chance(_ p: Double) -> Bool { unit() < p }

    static func finalize(_ value: UInt64) -> UInt64 {
        var z = value
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Mixes values into one well-distributed 64-bit number.
    static func mix(_ parts: [UInt64]) -> UInt64 {
        var h: UInt64 = 0x243F_6A88_85A3_08D3
        for part in parts {
            h = finalize(h ^ finalize(part &+ 0x9E37_79B9_7F4A_7C15))
        }
        return h
    }

    /// A uniform double in [0, 1) from a mix of values, without keeping a generator.
    static func unit(_ parts: UInt64...) -> Double { Double(mix(parts) >> 11) * 0x1.0p-53 }

    /// A stable 64-bit tag for a string (FNV-1a), used to separate the streams of different exports and kinds.
    static func tag(_ string: String) -> UInt64 {
        var h: UInt64 = 0xCBF2_9CE4_8422_2325
        for byte in string.utf8 {
            h = (h ^ UInt64(byte)) &* 0x100_0000_01B3
        }
        return h
    }
}

extension Int64 {
    /// The value's bit pattern, for hashing.
    var hashBits: UInt64 { UInt64(bitPattern: self) }
}

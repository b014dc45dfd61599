/// SplitMix64 (Steele, Lea and Flood, 2014): a small, fast random number generator whose sequence is fixed by
/// its seed, so a fuzz run, a test or a fault-suite run that finds something can be repeated exactly.
///
/// Not for anything secret: its outputs are predictable.
///
/// - Important: Seeds are printed and documented (`FaultSuite --seed`, the fuzz tests); changing the
///   constants or the order of the steps would make those seeds reproduce something else.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    /// The golden-ratio increment added to the state before each output.
    private static let increment: UInt64 = 0x9E37_79B9_7F4A_7C15

    private var state: UInt64

    /// A generator whose sequence is fixed by `seed`.
    public init(seed: UInt64) {
        state = seed
    }

    /// The next number of the sequence.
    public mutating func next() -> UInt64 {
        let output = Self.mix(state)
        state &+= Self.increment
        return output
    }

    /// The output that a generator in state `value` would give next, without a generator: a bijection on 64
    /// bits, so distinct inputs give distinct, well-spread outputs (`SplitMix64(seed: v).next() == mix(v)`).
    public static func mix(_ value: UInt64) -> UInt64 {
        var z = value &+ increment
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

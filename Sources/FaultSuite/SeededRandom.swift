import Synchronization

/// A seeded random source (SplitMix64), shared by the scenarios, so a run can be repeated with `--seed`.
final class SeededRandom: Sendable {
    private let state: Mutex<UInt64>

    init(seed: UInt64) {
        state = Mutex(seed)
    }

    func next() -> UInt64 {
        state.withLock { state in
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    /// A whole number in `range`.
    func int(in range: ClosedRange<Int>) -> Int {
        range.lowerBound + Int(next() % UInt64(range.count))
    }

    /// True with probability `p`.
    func chance(_ p: Double) -> Bool {
        Double(next() % 1_000_000) < p * 1_000_000
    }

    /// A duration between `low` and `high`, in whole milliseconds.
    func duration(_ low: Duration, _ high: Duration) -> Duration {
        .milliseconds(int(in: Int(low.milliseconds)...Int(high.milliseconds)))
    }

    func element<T>(of array: [T]) -> T {
        array[int(in: 0...(array.count - 1))]
    }
}

extension Duration {
    /// Whole milliseconds.
    var milliseconds: Int64 {
        components.seconds * 1000 + components.attoseconds / 1_000_000_000_000_000
    }
}

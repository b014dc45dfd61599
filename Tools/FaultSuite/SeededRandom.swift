import ProfileCore
import Synchronization
import TestSupport

/// A seeded random source (``SplitMix64`` behind a lock), shared by the scenarios, so a run can be repeated
/// with `--seed`.
final class SeededRandom: Sendable {
    private let generator: Mutex<SplitMix64>

    init(seed: UInt64) {
        generator = Mutex(SplitMix64(seed: seed))
    }

    private func next() -> UInt64 {
        generator.withLock { $0.next() }
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
        .milliseconds(int(in: Int(low.inMilliseconds)...Int(high.inMilliseconds)))
    }

    func element<T>(of array: [T]) -> T {
        array[int(in: 0...(array.count - 1))]
    }
}

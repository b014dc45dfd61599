import Foundation

/// A Bloom filter of 16-byte event ids: a set that answers "maybe present" or "certainly absent", in a few bits per
/// id. An id inserted is always found; an id never inserted is found (a false positive) with a probability that
/// grows as the filter fills: about 0.8 % at 1.25 ids per ``capacity``-th of its bits, 2.2 % when full.
///
/// ``bitsPerID`` bits per id of ``capacity`` and ``hashCount`` probes per id, placed by double hashing over two
/// 64-bit hashes of the id's bytes. The bytes are mixed first, so ids that are not uniformly random (a producer's
/// sequential ids) spread as well as UUIDv4s do.
struct BloomFilter: Sendable, Equatable {
    /// Bits stored per id of ``capacity``: 8, with ``hashCount`` probes, is a false positive rate of 2.2 % when full.
    static let bitsPerID = 8
    /// Bits probed per id: the best count for ``bitsPerID`` is 8 × ln 2 ≈ 5.5.
    static let hashCount = 6
    /// The fewest ids a filter is sized for: 64 bytes of bits, so that the 256 filters of an empty ledger take a few
    /// pages, and a growing one is not rebuilt after every few ids.
    static let minimumCapacity = 64

    /// The bits, 64 to a word.
    private(set) var words: [UInt64]
    /// The ids the filter was sized for: past it the false positive rate climbs.
    let capacity: Int
    /// The ids inserted, counting an id inserted twice twice.
    private(set) var count: Int

    /// An empty filter sized for `capacity` ids (at least ``minimumCapacity``).
    init(capacity: Int) {
        self.capacity = max(capacity, Self.minimumCapacity)
        words = [UInt64](repeating: 0, count: (self.capacity * Self.bitsPerID + 63) / 64)
        count = 0
    }

    /// The filter whose bits ``serializedWords`` gave.
    ///
    /// - Returns: nil when `serializedWords` is not the size of a filter of `capacity`.
    init?(serializedWords: Data, capacity: Int, count: Int) {
        self.init(capacity: capacity)
        guard serializedWords.count == words.count * 8, self.capacity == capacity else { return nil }
        var words = words
        serializedWords.withUnsafeBytes { bytes in
            for index in words.indices {
                words[index] = UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: index * 8, as: UInt64.self))
            }
        }
        self.words = words
        self.count = count
    }

    /// The bits as little-endian bytes, for storing.
    var serializedWords: Data {
        var data = Data(count: words.count * 8)
        data.withUnsafeMutableBytes { bytes in
            for (index, word) in words.enumerated() {
                bytes.storeBytes(of: word.littleEndian, toByteOffset: index * 8, as: UInt64.self)
            }
        }
        return data
    }

    /// Adds the 16-byte id `id`.
    mutating func insert(_ id: UnsafeRawBufferPointer) {
        let bitCount = UInt64(words.count * 64)
        let probes = Probes(id)
        for probe in 0..<Self.hashCount {
            let bit = probes.bit(probe, of: bitCount)
            words[Int(bit / 64)] |= 1 << (bit % 64)
        }
        count += 1
    }

    /// False only when the 16-byte id `id` was never inserted.
    func mayContain(_ id: UnsafeRawBufferPointer) -> Bool {
        let bitCount = UInt64(words.count * 64)
        let probes = Probes(id)
        for probe in 0..<Self.hashCount {
            let bit = probes.bit(probe, of: bitCount)
            if words[Int(bit / 64)] & (1 << (bit % 64)) == 0 { return false }
        }
        return true
    }

    /// The positions an id sets: `first + i × step`, reduced to the filter's bits by a multiply (no division).
    private struct Probes {
        let first: UInt64
        let step: UInt64

        init(_ id: UnsafeRawBufferPointer) {
            precondition(id.count == 16, "an event id is 16 bytes")
            let high = id.loadUnaligned(as: UInt64.self)
            let low = id.loadUnaligned(fromByteOffset: 8, as: UInt64.self)
            first = Self.mix(high ^ Self.mix(low))
            step = Self.mix(low &+ Self.mix(high ^ 0x9E37_79B9_7F4A_7C15)) | 1
        }

        func bit(_ probe: Int, of bitCount: UInt64) -> UInt64 {
            (first &+ UInt64(probe) &* step).multipliedFullWidth(by: bitCount).high
        }

        /// SplitMix64's finaliser: every input bit affects every output bit.
        private static func mix(_ value: UInt64) -> UInt64 {
            var z = value
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }
}

/// A librdkafka release, and what this service knows about it.
public struct KafkaLibraryVersion: Sendable, Comparable, CustomStringConvertible {
    public let major: Int
    public let minor: Int
    public let patch: Int

    /// The librdkafka this process is linked with.
    public static let linked = KafkaLibraryVersion(encoded: RDKafkaVersion.encoded)

    /// The first release that skips KIP-482 tagged fields correctly (PR #4278, issue #4253).
    public static let taggedFieldsFixed = KafkaLibraryVersion(major: 2, minor: 2, patch: 0)

    /// The first release with `fetch.queue.backoff.ms`: before it, a partition whose fetch queue is full is fetched
    /// again only when its broker thread next wakes, a second later.
    public static let fetchQueueBackoffAdded = KafkaLibraryVersion(major: 2, minor: 2, patch: 0)

    public init(major: Int, minor: Int, patch: Int) {
        self.major = major
        self.minor = minor
        self.patch = patch
    }

    /// From `rd_kafka_version()`'s `0xMMmmrrxx` (major, minor, revision, pre-release).
    public init(encoded: UInt32) {
        self.init(major: Int(encoded >> 24 & 0xff), minor: Int(encoded >> 16 & 0xff), patch: Int(encoded >> 8 & 0xff))
    }

    /// Releases before 2.2.0 skip each KIP-482 tagged field of a response one byte short. Apache Kafka's replies
    /// survive it by luck; brokers whose replies carry tagged fields of other shapes (Tansu) fail the handshake.
    public var skipsTaggedFieldsShort: Bool { self < Self.taggedFieldsFixed }

    /// Whether the release has `fetch.queue.backoff.ms` (2.2.0 and later).
    public var hasFetchQueueBackoff: Bool { self >= Self.fetchQueueBackoffAdded }

    public var description: String { "\(major).\(minor).\(patch)" }

    public static func < (lhs: Self, rhs: Self) -> Bool {
        (lhs.major, lhs.minor, lhs.patch) < (rhs.major, rhs.minor, rhs.patch)
    }
}

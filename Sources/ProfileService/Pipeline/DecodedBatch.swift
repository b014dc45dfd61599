import ProfileCore
import ProfileStorage

/// One polled batch, split by the decoder: events to apply, poison messages to dead-letter, and the offsets
/// the batch accounts for.
///
/// Only a poison message keeps its bytes (the DLQ needs them untouched). An event keeps its decoded fields and
/// where it came from, a few hundred bytes, so that a batch of tens of thousands of events stays small.
struct DecodedBatch: Sendable {
    typealias Event = DecodedMessage.Event
    typealias Poison = DecodedMessage.Poison

    var events: [Event] = []
    var poison: [Poison] = []
    /// What the batch read of each partition.
    private var partitions: [PartitionKey: PartitionRead] = [:]

    /// Messages in the batch, events and poison.
    var messageCount: Int { events.count + poison.count }

    /// Per partition read, the offset after the batch's last message.
    var nextOffsets: [StoredOffset] {
        partitions.map { StoredOffset(topic: $0.key.topic, partition: $0.key.partition, nextOffset: $0.value.nextOffset) }
    }

    /// Messages in the batch per topic read, events and poison.
    var messagesPerTopic: [String: Int] {
        partitions.reduce(into: [:]) { counts, partition in counts[partition.key.topic, default: 0] += partition.value.messages }
    }

    /// An empty batch with room for `capacity` messages, filled by ``append(_:)`` as they are decoded: a batch read
    /// chunk by chunk is never held a second time, as an array of its messages.
    init(reservingCapacity capacity: Int = 0) {
        events.reserveCapacity(capacity)
    }

    /// Gathers decoded `messages`, in the order they were read.
    init(_ messages: [DecodedMessage]) {
        self.init(reservingCapacity: messages.count)
        for message in messages { append(message) }
    }

    /// Adds `message`, read after the batch's messages.
    mutating func append(_ message: DecodedMessage) {
        let origin = message.origin
        partitions[PartitionKey(topic: origin.topic, partition: origin.partition), default: PartitionRead()].read(
            offset: origin.offset)
        switch message {
        case .event(let event): events.append(event)
        case .poison(let poison): self.poison.append(poison)
        }
    }

    /// The batch without the events and offsets of partitions outside `owned` (revoked, or fenced by the store);
    /// their poison messages are dead-lettered already.
    func restricted(to owned: Set<PartitionKey>) -> DecodedBatch {
        guard !partitions.keys.allSatisfy(owned.contains) else { return self }
        var batch = self
        batch.events.removeAll { !owned.contains(PartitionKey(topic: $0.origin.topic, partition: $0.origin.partition)) }
        batch.partitions = partitions.filter { owned.contains($0.key) }
        return batch
    }

    /// What the batch read of one partition.
    private struct PartitionRead {
        var nextOffset: Int64 = 0
        var messages = 0

        /// Offsets only grow within a partition, so the last message read sets the next offset.
        mutating func read(offset: Int64) {
            nextOffset = offset + 1
            messages += 1
        }
    }
}

import Kafka
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
    /// Per partition read, the offset after the batch's last message.
    var nextOffsets: [StoredOffset] = []
    /// Messages in the batch per topic read, events and poison.
    var messagesPerTopic: [String: Int] = [:]
    /// Messages in the batch, events and poison.
    var messageCount: Int { events.count + poison.count }

    /// Gathers decoded `messages`, in the order they were read.
    init(_ messages: [DecodedMessage]) {
        var partitions: [KafkaTopicPartition: PartitionRead] = [:]
        events.reserveCapacity(messages.count)
        for message in messages {
            let origin = message.origin
            partitions[KafkaTopicPartition(topic: origin.topic, partition: origin.partition), default: PartitionRead()].read(
                offset: origin.offset)
            switch message {
            case .event(let event): events.append(event)
            case .poison(let poison): self.poison.append(poison)
            }
        }
        for (partition, read) in partitions {
            nextOffsets.append(StoredOffset(topic: partition.topic, partition: partition.partition, nextOffset: read.nextOffset))
            messagesPerTopic[partition.topic, default: 0] += read.messages
        }
    }

    /// The batch without the events and offsets of partitions outside `owned` (revoked, or fenced by the store);
    /// their poison messages are dead-lettered already.
    func restricted(to owned: Set<PartitionKey>) -> DecodedBatch {
        guard !nextOffsets.allSatisfy({ owned.contains($0.partitionKey) }) else { return self }
        var batch = self
        batch.events.removeAll { !owned.contains(PartitionKey(topic: $0.origin.topic, partition: $0.origin.partition)) }
        batch.nextOffsets.removeAll { !owned.contains($0.partitionKey) }
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

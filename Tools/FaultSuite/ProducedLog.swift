import Foundation
import Kafka
import ProfileCore
import Synchronization

/// Everything a scenario produced, as the expectations the final check compares the database and the DLQ with.
final class ProducedLog: Sendable {
    struct State: Sendable {
        /// Messages acknowledged by the broker.
        var produced = 0
        /// Every valid event id, however often it was sent.
        var eventIDs = Set<UUID>()
        /// Per user, the first valid event produced for it: the one that must create the profile.
        var firstEventByUser: [String: UUID] = [:]
        /// Every poison message, where it was written, with the class it must be dead-lettered with.
        var poison: [MessageCoordinates: PoisonError.ErrorClass] = [:]
        /// Per partition, the offset after the last message produced.
        var ends: [KafkaTopicPartition: Int64] = [:]
    }

    private let state = Mutex(State())

    var snapshot: State { state.withLock { $0 } }

    /// Records `messages`, acknowledged at `reports` (same order).
    func record(_ messages: [PlannedMessage], reports: [KafkaDeliveryReport]) {
        state.withLock { state in
            for (message, report) in zip(messages, reports) {
                state.produced += 1
                let partition = KafkaTopicPartition(topic: report.topic, partition: report.partition)
                state.ends[partition] = max(state.ends[partition] ?? 0, report.offset + 1)
                switch message.expectation {
                case .event(let id, let userID):
                    state.eventIDs.insert(id)
                    if state.firstEventByUser[userID] == nil { state.firstEventByUser[userID] = id }
                case .poison(let errorClass):
                    state.poison[MessageCoordinates(topic: report.topic, partition: report.partition, offset: report.offset)] = errorClass
                }
            }
        }
    }
}

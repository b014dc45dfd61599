import Foundation
import Kafka
import ProfileCore

/// A message the suite produces, with what the daemon must make of it.
struct PlannedMessage: Sendable {
    enum Expectation: Sendable {
        /// A valid event: its id goes into the ledger, and it may create `userID`'s profile.
        case event(id: UUID, userID: String)
        /// A poison message: it goes to the DLQ with this class.
        case poison(PoisonError.ErrorClass)
    }

    var record: KafkaProducerRecord
    var expectation: Expectation
}

/// Where a message was written: what a DLQ entry's `dlq.original.*` headers point back to.
struct MessageCoordinates: Sendable, Hashable, CustomStringConvertible {
    var topic: String
    var partition: Int32
    var offset: Int64
    var description: String { "\(topic)[\(partition)]@\(offset)" }
}

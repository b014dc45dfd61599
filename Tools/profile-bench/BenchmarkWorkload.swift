import Foundation
import Kafka
import ProfileCore
import ProfileDemo
import TestSupport

/// The benchmark's messages, in the upstream mix: half auth-svc `user.registered.v1`, half users-service
/// `user.created`, 1% poison (five kinds in turn) and 1% duplicates (an earlier message sent again, byte for
/// byte). Every valid unique event is for a new user, so each creates one profile.
///
/// Messages are made from their index alone, so a duplicate is the earlier message made again and the
/// workload never has to be held in memory.
struct BenchmarkWorkload: Sendable {
    var events: Int
    var userRegisteredTopic: String
    var userCreatedTopic: String
    /// Whether every message carries a W3C `traceparent` header, as a producer instrumented by OpenTelemetry writes.
    var traceContext = false
    /// Distinguishes this run's ids from any other run's.
    private let seed: UInt64

    init(events: Int, userRegisteredTopic: String, userCreatedTopic: String, seed: UInt64 = .random(in: 1...UInt64.max)) {
        self.events = events
        self.userRegisteredTopic = userRegisteredTopic
        self.userCreatedTopic = userCreatedTopic
        self.seed = seed
    }

    /// Poison messages in the workload.
    var poisonCount: Int { occurrences(of: 50) }
    /// Messages that repeat an earlier one.
    var duplicateCount: Int { occurrences(of: 99) }
    /// Valid events with an id of their own: each creates a profile and a ledger entry.
    var validUniqueCount: Int { events - poisonCount - duplicateCount }

    /// The messages with indices in `range`, in order.
    func records(_ range: Range<Int>) -> [KafkaProducerRecord] {
        range.map(record)
    }

    /// The message with index `index`.
    func record(_ index: Int) -> KafkaProducerRecord {
        var record =
            switch index % 100 {
            case 50: poison(index)
            case 99: valid(index / 100 % 2 == 0 ? index - 1 : index - 2)
            default: valid(index)
            }
        if traceContext {
            let traceID = uuid(index, salt: 4).replacingOccurrences(of: "-", with: "")
            let spanID = String(uuid(index, salt: 5).replacingOccurrences(of: "-", with: "").prefix(16))
            record.headers.append(KafkaHeader(key: "traceparent", string: "00-\(traceID)-\(spanID)-01"))
        }
        return record
    }

    private func occurrences(of slot: Int) -> Int {
        events / 100 + (events % 100 > slot ? 1 : 0)
    }

    private func valid(_ index: Int) -> KafkaProducerRecord {
        if index % 2 == 0 {
            let userID = uuid(index, salt: 1)
            return SampleEvents.userRegistered(
                topic: userRegisteredTopic, userID: userID, eventID: uuid(index, salt: 2),
                fullName: "Usuario \(index)", requestID: uuid(index, salt: 3),
                timestamp: 1_696_599_999_999 + Int64(index))
        }
        return SampleEvents.userCreated(topic: userCreatedTopic, id: Int64(index) + 1, name: "Juan Pérez \(index)")
    }

    private func poison(_ index: Int) -> KafkaProducerRecord {
        switch index / 100 % 5 {
        case 0: SampleEvents.poison(topic: userCreatedTopic, value: "{\"eventType\":\"USER_CREATED\",\"data\":")
        case 1:
            SampleEvents.poison(
                topic: userRegisteredTopic,
                value: """
                    {"event":"user_registered","id":"\(uuid(index, salt: 2))","ts":1,"v":2,"payload":{}}
                    """)
        case 2: SampleEvents.userCreated(topic: userCreatedTopic, id: Int64(index) + 1, email: "no-at-sign.example.com")
        case 3: SampleEvents.poison(topic: userCreatedTopic, value: "{\"eventType\":\"USER_DELETED\",\"data\":{\"id\":1}}")
        default: SampleEvents.poison(topic: userRegisteredTopic, value: "")
        }
    }

    /// A version-4 UUID drawn from the seed, the index and a salt: unique per run, index and salt, and spread
    /// over the whole key space as auth-svc's `uuid4()` ids and users-service's UUIDv5 ids are (keys that
    /// merely counted up would make every B-tree insert an append and flatter the database).
    private func uuid(_ index: Int, salt: UInt8) -> String {
        let high = SplitMix64.mix(seed ^ UInt64(index) << 8 ^ UInt64(salt))
        let low = SplitMix64.mix(high ^ 0x9E37_79B9_7F4A_7C15)
        return UUID(
            uuid: (
                UInt8(truncatingIfNeeded: high >> 56), UInt8(truncatingIfNeeded: high >> 48),
                UInt8(truncatingIfNeeded: high >> 40), UInt8(truncatingIfNeeded: high >> 32),
                UInt8(truncatingIfNeeded: high >> 24), UInt8(truncatingIfNeeded: high >> 16),
                UInt8(truncatingIfNeeded: high >> 8) & 0x0F | 0x40, UInt8(truncatingIfNeeded: high),
                UInt8(truncatingIfNeeded: low >> 56) & 0x3F | 0x80, UInt8(truncatingIfNeeded: low >> 48),
                UInt8(truncatingIfNeeded: low >> 40), UInt8(truncatingIfNeeded: low >> 32),
                UInt8(truncatingIfNeeded: low >> 24), UInt8(truncatingIfNeeded: low >> 16),
                UInt8(truncatingIfNeeded: low >> 8), UInt8(truncatingIfNeeded: low)
            )
        )
        .uuidString.lowercased()
    }
}

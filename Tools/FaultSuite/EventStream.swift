import Foundation
import Kafka
import ProfileCore
import ProfileDemo
import ProfileService

/// Generates a realistic stream: both upstream formats, a share of poison messages (from ``PoisonCorpus``),
/// exact re-sends of earlier events (same event id) and new events for users who already have a profile.
///
/// Every user's events go to one partition of one topic, in production order, so "the first valid event
/// for a user creates the profile" names exactly one event.
struct EventStream {
    let topics: ScenarioTopics
    let random: SeededRandom
    var poisonRate = 0.01
    var resendRate = 0.02
    var sameUserRate = 0.01
    private var recent: [PlannedMessage] = []
    /// The id the next new users-service user gets.
    private(set) var nextUsersServiceID: Int64 = 1
    private var timestampCounter = 0

    /// `firstUsersServiceID` keeps two streams on the same topics from sharing users-service users.
    init(topics: ScenarioTopics, random: SeededRandom, firstUsersServiceID: Int64 = 1) {
        self.topics = topics
        self.random = random
        nextUsersServiceID = firstUsersServiceID
    }

    /// The next `count` messages of the stream.
    mutating func next(_ count: Int) -> [PlannedMessage] {
        var messages: [PlannedMessage] = []
        messages.reserveCapacity(count)
        for _ in 0..<count {
            let message: PlannedMessage
            if random.chance(poisonRate) {
                message = poison()
            } else if !recent.isEmpty && random.chance(resendRate) {
                message = random.element(of: recent)
            } else if !recent.isEmpty && random.chance(sameUserRate) {
                message = newEvent(forUserOf: random.element(of: recent))
            } else {
                message = random.chance(0.5) ? authEvent(userID: UUID().uuidString.lowercased()) : usersEvent(id: takeUsersServiceID())
            }
            if case .event = message.expectation {
                if recent.count < 2000 { recent.append(message) } else { recent[random.int(in: 0...1999)] = message }
            }
            messages.append(message)
        }
        return messages
    }

    /// `count` poison messages only.
    mutating func poisonBurst(_ count: Int) -> [PlannedMessage] {
        (0..<count).map { _ in poison() }
    }

    /// A poison message of a random shape, to a random partition.
    func poison() -> PlannedMessage {
        PoisonCorpus.message(
            random.element(of: PoisonCorpus.shapes), topics: topics, partition: Int32(random.int(in: 0...(topics.partitions - 1))))
    }

    private mutating func takeUsersServiceID() -> Int64 {
        defer { nextUsersServiceID += 1 }
        return nextUsersServiceID
    }

    private func authEvent(userID: String) -> PlannedMessage {
        let eventID = UUID()
        var record = SampleEvents.userRegistered(
            topic: topics.userRegistered, userID: userID, eventID: eventID.uuidString.lowercased(),
            email: "\(userID.prefix(12))@example.com")
        record.partition = partition(of: userID)
        return PlannedMessage(record: record, expectation: .event(id: eventID, userID: userID))
    }

    private mutating func usersEvent(id: Int64) -> PlannedMessage {
        timestampCounter += 1
        let millis = timestampCounter % 1000, seconds = (timestampCounter / 1000) % 60, minutes = (timestampCounter / 60_000) % 60
        let timestamp = "2025-07-04T10:\(pad(minutes, 2)):\(pad(seconds, 2)).\(pad(millis, 3))Z"
        var record = SampleEvents.userCreated(topic: topics.userCreated, id: id, timestamp: timestamp)
        record.partition = partition(of: String(id))
        return PlannedMessage(
            record: record,
            expectation: .event(
                id: EventID.derivedForUserCreated(userID: id, timestamp: timestamp),
                userID: String(id)))
    }

    private mutating func newEvent(forUserOf earlier: PlannedMessage) -> PlannedMessage {
        guard case .event(_, let userID) = earlier.expectation else { return earlier }
        return earlier.record.topic == topics.userRegistered ? authEvent(userID: userID) : usersEvent(id: Int64(userID)!)
    }

    /// The partition every event of `userID` goes to (FNV-1a of the id).
    func partition(of userID: String) -> Int32 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in userID.utf8 { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
        return Int32(hash % UInt64(topics.partitions))
    }

    private func pad(_ value: Int, _ width: Int) -> String {
        let text = String(value)
        return String(repeating: "0", count: max(0, width - text.count)) + text
    }
}

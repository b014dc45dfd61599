import Foundation
import Kafka
import ProfileCore

/// Mutated valid events (bytes flipped, cut, inserted, repeated; digits and quotes changed), each with what
/// the daemon must make of it, worked out with the decoder itself: an event for a user, or a DLQ entry of a
/// given class. Sent through Kafka, they check that the daemon and the decoder agree on every one.
struct MessageFuzzer {
    let topics: ScenarioTopics
    let random: SeededRandom
    let decoder = EventDecoder(maxMessageBytes: 65536)

    /// `count` mutated messages; those whose event id would be shared by two different users are left out
    /// (the ledger would rightly keep only the first, which no expectation can say in advance).
    func messages(_ count: Int, from stream: inout EventStream) -> [PlannedMessage] {
        var owners: [UUID: String] = [:]
        var result: [PlannedMessage] = []
        while result.count < count {
            guard let seed = stream.next(1).first, case .event = seed.expectation, let value = seed.record.value else { continue }
            let format: EventFormat = seed.record.topic == topics.userRegistered ? .userRegisteredV1 : .userCreated
            var record = seed.record
            record.value = mutate(value)
            switch decoder.decode(record.value, format: format, eventIDHeader: record.headers.string(for: "event-id")) {
            case .success(let decoded):
                let event = decoded.event
                if let owner = owners[event.eventID], owner != event.userID { continue }
                owners[event.eventID] = event.userID
                record.partition = stream.partition(of: event.userID)
                result.append(PlannedMessage(record: record, expectation: .event(id: event.eventID, userID: event.userID)))
            case .failure(let error):
                result.append(PlannedMessage(record: record, expectation: .poison(error.errorClass)))
            }
        }
        return result
    }

    private func mutate(_ value: [UInt8]) -> [UInt8] {
        var bytes = value
        for _ in 0..<random.int(in: 1...3) where !bytes.isEmpty {
            let at = random.int(in: 0...(bytes.count - 1))
            switch random.int(in: 0...6) {
            case 0: bytes[at] ^= UInt8(1 << random.int(in: 0...7))
            case 1: bytes.removeSubrange(at..<min(bytes.count, at + random.int(in: 1...8)))
            case 2: bytes.insert(UInt8(random.int(in: 0...255)), at: at)
            case 3: bytes = Array(bytes.prefix(at))
            case 4: bytes.insert(contentsOf: bytes[at..<min(bytes.count, at + 16)], at: at)
            case 5: bytes[at] = Array("0123456789".utf8)[random.int(in: 0...9)]
            default: bytes[at] = Array("\"{}[]:,\\".utf8)[random.int(in: 0...7)]
            }
        }
        return bytes
    }
}

import Foundation
import ProfileCore
import Testing

/// The documented event-id rules (docs/interface.md): the idempotency key of each format.
@Suite("Event ids", .timeLimit(.minutes(1)))
struct EventIDTests {
    private static let envelopeID = UUID(uuidString: "0b9e4c1a-7d2f-4e63-8a5b-1f0c3d2e4a77")!

    @Test func userRegisteredUsesTheEnvelopeIDWithoutAHeader() throws {
        let decoded = try decode(UpstreamExamples.userRegistered, .userRegisteredV1).get()
        #expect(decoded.event.eventID == Self.envelopeID)
        #expect(decoded.conflictingHeaderEventID == nil)
    }

    @Test func aHeaderEqualToTheEnvelopeIDIsNoConflictWhateverItsCase() throws {
        let decoded = try decode(
            UpstreamExamples.userRegistered, .userRegisteredV1,
            header: UpstreamExamples.userRegisteredEventIDHeader.uppercased()
        ).get()
        #expect(decoded.event.eventID == Self.envelopeID)
        #expect(decoded.conflictingHeaderEventID == nil)
    }

    @Test(arguments: ["5d0c7a43-1b7e-4f0a-9a51-3f7f0f7f0f7f", "not-a-uuid", ""])
    func aDisagreeingHeaderIsReportedButTheEnvelopeIDWins(header: String) throws {
        let decoded = try decode(UpstreamExamples.userRegistered, .userRegisteredV1, header: header).get()
        #expect(decoded.event.eventID == Self.envelopeID)
        #expect(decoded.conflictingHeaderEventID == header)
    }

    @Test func userCreatedTakesTheEventIDHeaderWhenPresent() throws {
        let header = "5d0c7a43-1b7e-4f0a-9a51-3f7f0f7f0f7f"
        let decoded = try decode(UpstreamExamples.userCreated, .userCreated, header: header).get()
        #expect(decoded.event.eventID == UUID(uuidString: header))
        #expect(decoded.conflictingHeaderEventID == nil)
    }

    /// Reference values computed once with Python 3: `uuid.uuid5(uuid.NAMESPACE_URL, name)`.
    @Test(
        arguments: [
            (1, "2025-07-04T10:30:00.000Z", "50cd03ce-e13f-5771-b411-575d5299ee6a"),
            (42, "2025-07-04T10:30:00Z", "623e9676-035b-5335-88ea-e94c0ad7f1c4"),
            (Int64.max, "2025-07-04T10:30:00.000+02:00", "cd2de22c-186a-58f7-89a1-37e7c8f92e58"),
        ] as [(Int64, String, String)])
    func userCreatedWithoutAHeaderDerivesUUIDv5OfTopicIDAndTimestamp(id: Int64, timestamp: String, expected: String) throws {
        #expect(EventID.derivedForUserCreated(userID: id, timestamp: timestamp) == UUID(uuidString: expected))
        let text = UpstreamExamples.userCreated
            .replacingOnce(#""id": 1,"#, with: "\"id\": \(id),")
            .replacingOnce(#""timestamp": "2025-07-04T10:30:00.000Z""#, with: "\"timestamp\": \"\(timestamp)\"")
        #expect(try decode(text, .userCreated).get().event.eventID == UUID(uuidString: expected))
    }

    @Test func theURLNamespaceIsRFC9562s() {
        #expect(EventID.urlNamespace == UUID(uuidString: "6ba7b811-9dad-11d1-80b4-00c04fd430c8"))
    }

    @Test func aResentUserCreatedEventKeepsItsIDWhateverElseChanged() throws {
        let original = try decode(UpstreamExamples.userCreated, .userCreated).get().event
        let resent = UpstreamExamples.userCreated
            .replacingOnce("juan@example.com", with: "juan.perez@example.org")
            .replacingOnce(#""createdAt": "2025-07-04T10:30:00.000Z""#, with: #""createdAt": "2025-07-05T00:00:00Z""#)
        #expect(try decode(resent, .userCreated).get().event.eventID == original.eventID)
    }

    @Test func theTimestampCountsExactlyAsReceived() throws {
        let sameInstantOtherText = UpstreamExamples.userCreated
            .replacingOnce(#""timestamp": "2025-07-04T10:30:00.000Z""#, with: #""timestamp": "2025-07-04T10:30:00Z""#)
        let original = try decode(UpstreamExamples.userCreated, .userCreated).get().event
        #expect(try decode(sameInstantOtherText, .userCreated).get().event.eventID != original.eventID)
    }
}

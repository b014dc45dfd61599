import Foundation
import ProfileCore
import Testing

/// Both upstream formats decoded into one event shape, field by field.
@Suite("Event decoding", .timeLimit(.minutes(1)))
struct EventDecodingTests {
    @Test func userRegisteredExampleMapsEveryField() throws {
        let decoded = try decode(
            UpstreamExamples.userRegistered, .userRegisteredV1,
            header: UpstreamExamples.userRegisteredEventIDHeader
        ).get()
        #expect(
            decoded.event
                == UserCreatedEvent(
                    eventID: UUID(uuidString: "0b9e4c1a-7d2f-4e63-8a5b-1f0c3d2e4a77")!,
                    source: .authService,
                    userID: "6f1c2a7e-3b0d-4a55-9d1e-2c4b8f0a9e11",
                    email: "usuario@example.com",
                    displayName: "Nombre Completo",
                    createdAt: 1_696_599_999_999))
        #expect(decoded.conflictingHeaderEventID == nil)
    }

    @Test func userCreatedExampleMapsEveryField() throws {
        let decoded = try decode(UpstreamExamples.userCreated, .userCreated).get()
        #expect(
            decoded.event
                == UserCreatedEvent(
                    // uuid.uuid5(uuid.NAMESPACE_URL, "user.created/1/2025-07-04T10:30:00.000Z") in Python 3.
                    eventID: UUID(uuidString: "50cd03ce-e13f-5771-b411-575d5299ee6a")!,
                    source: .usersService,
                    userID: "1",
                    email: "juan@example.com",
                    displayName: "Juan Pérez",
                    // datetime.fromisoformat("2025-07-04T10:30:00.000+00:00").timestamp() * 1000 in Python 3.
                    createdAt: 1_751_625_000_000))
        #expect(decoded.conflictingHeaderEventID == nil)
    }

    @Test func eachFormatNamesItsSource() {
        #expect(EventFormat.userRegisteredV1.source == .authService)
        #expect(EventFormat.userCreated.source == .usersService)
        #expect(EventSource.authService.rawValue == "auth-svc")
        #expect(EventSource.usersService.rawValue == "users-service")
    }

    @Test func unknownExtraFieldsAreAccepted() throws {
        let registered = UpstreamExamples.userRegistered
            .replacingOnce(#""v": 1,"#, with: #""v": 1, "trace": {"spans": [1, 2.5, null, true, {"a": []}]}, "tenant": "eu","#)
            .replacingOnce(#""full_name": "Nombre Completo""#, with: #""full_name": "Nombre Completo", "locale": "es-ES""#)
        let created = UpstreamExamples.userCreated
            .replacingOnce(#""eventType": "USER_CREATED","#, with: #""eventType": "USER_CREATED", "version": "2.1","#)
            .replacingOnce(#""id": 1,"#, with: #""id": 1, "roles": ["admin"], "updatedAt": null,"#)
        let plainRegistered = try decode(UpstreamExamples.userRegistered, .userRegisteredV1).get().event
        let plainCreated = try decode(UpstreamExamples.userCreated, .userCreated).get().event
        #expect(try decode(registered, .userRegisteredV1).get().event == plainRegistered)
        #expect(try decode(created, .userCreated).get().event == plainCreated)
    }

    @Test(arguments: EventFormat.allCases)
    func aPasswordFieldNeverReachesTheEvent(format: EventFormat) throws {
        let secret = "hunter2-Sup3rSecret"
        let text =
            switch format {
            case .userRegisteredV1:
                UpstreamExamples.userRegistered.replacingOnce(#""email""#, with: #""password": "\#(secret)", "email""#)
            case .userCreated:
                UpstreamExamples.userCreated.replacingOnce(#""email""#, with: #""password": "\#(secret)", "email""#)
            }
        let event = try decode(text, format).get().event
        let everyValue = Mirror(reflecting: event).children.map { String(describing: $0.value) }
        #expect(everyValue.count == 6)
        #expect(!everyValue.contains { $0.contains(secret) })
        #expect(!String(describing: event).contains(secret))
    }

    @Test func aNullOrMissingDisplayNameIsNil() throws {
        let nullName = UpstreamExamples.userRegistered.replacingOnce(#""Nombre Completo""#, with: "null")
        let noName = UpstreamExamples.userCreated.replacingOnce(#""nombre": "Juan Pérez","#, with: "")
        #expect(try decode(nullName, .userRegisteredV1).get().event.displayName == nil)
        #expect(try decode(noName, .userCreated).get().event.displayName == nil)
    }

    @Test func aRepeatedMemberResolvesToItsLastOccurrence() throws {
        let text = UpstreamExamples.userCreated.replacingOnce(#""id": 1,"#, with: #""id": 1, "id": 7,"#)
        #expect(try decode(text, .userCreated).get().event.userID == "7")
    }

    @Test func escapedTextIsDecoded() throws {
        let text = UpstreamExamples.userRegistered
            .replacingOnce(#""Nombre Completo""#, with: #""Jos\u00e9 \"Pepe\" \ud83d\ude00 \/ \\""#)
        #expect(try decode(text, .userRegisteredV1).get().event.displayName == "José \"Pepe\" 😀 / \\")
    }

    @Test func boundaryValuesAreAccepted() throws {
        let longestUserID = String(repeating: "é", count: 128)  // 256 bytes of UTF-8
        let longestEmail = String(repeating: "a", count: 64) + "@" + String(repeating: "b", count: 189)  // 254 bytes
        let registered = UpstreamExamples.userRegistered
            .replacingOnce("\"6f1c2a7e-3b0d-4a55-9d1e-2c4b8f0a9e11\"", with: "\"\(longestUserID)\"")
            .replacingOnce("usuario@example.com", with: longestEmail)
        let event = try decode(registered, .userRegisteredV1).get().event
        #expect(event.userID == longestUserID)
        #expect(event.email == longestEmail)
        let largestID = UpstreamExamples.userCreated.replacingOnce(#""id": 1,"#, with: #""id": 9223372036854775807,"#)
        #expect(try decode(largestID, .userCreated).get().event.userID == "9223372036854775807")
        let epoch = UpstreamExamples.userRegistered.replacingOnce("1696599999999", with: "0")
        #expect(try decode(epoch, .userRegisteredV1).get().event.createdAt == 0)
    }

    @Test func aMessageOfExactlyTheLimitIsAccepted() throws {
        let bytes = Array(UpstreamExamples.userCreated.utf8)
        let atLimit = EventDecoder(maxMessageBytes: bytes.count)
        let belowLimit = EventDecoder(maxMessageBytes: bytes.count - 1)
        #expect(throws: Never.self) { try atLimit.decode(bytes, format: .userCreated, eventIDHeader: nil).get() }
        #expect(belowLimit.decode(bytes, format: .userCreated, eventIDHeader: nil).errorClass == .tooLarge)
    }

    @Test func createdAtAcceptsAnOffsetAndKeepsTheInstant() throws {
        let text = UpstreamExamples.userCreated
            .replacingOnce(#""createdAt": "2025-07-04T10:30:00.000Z""#, with: #""createdAt": "2025-07-04T12:30:00+02:00""#)
        #expect(try decode(text, .userCreated).get().event.createdAt == 1_751_625_000_000)
    }
}

import ProfileCore
import Testing

/// One bad message and the precise class it must be dead-lettered with.
struct PoisonCase: Sendable, CustomTestStringConvertible {
    var name: String
    var format: EventFormat
    var value: [UInt8]?
    var header: String? = nil
    var expected: PoisonError.ErrorClass

    var testDescription: String { "\(name) → \(expected.rawValue)" }
}

/// The bad-input corpus: every shape of bad message this service has thought of, each with its class.
@Suite("Poison corpus", .timeLimit(.minutes(1)))
struct PoisonCorpusTests {
    @Test(arguments: PoisonCorpus.cases)
    func isClassifiedPrecisely(_ poison: PoisonCase) {
        let result = EventDecoder().decode(poison.value, format: poison.format, eventIDHeader: poison.header)
        #expect(result.errorClass == poison.expected)
        if case .failure(let error) = result {
            #expect(!error.message.isEmpty)
            #expect(error.description.hasPrefix(poison.expected.rawValue + ": "))
        }
    }

    @Test func theCorpusIsBroadAndItsNamesUnique() {
        let cases = PoisonCorpus.cases
        #expect(cases.count >= 60)
        #expect(Set(cases.map(\.name)).count == cases.count)
        let covered = Set(cases.map(\.expected))
        // Every class the decoder can produce (the topic check happens before decoding).
        #expect(covered == Set(PoisonError.ErrorClass.allCases).subtracting([.unknownTopic]))
    }

    @Test func errorMessagesNeverQuoteFieldValues() {
        let secret = "s3cr3t-value"
        let cases: [(String, EventFormat)] = [
            (UpstreamExamples.userRegistered.replacingOnce("usuario@example.com", with: secret), .userRegisteredV1),
            (UpstreamExamples.userRegistered.replacingOnce("0b9e4c1a-7d2f-4e63-8a5b-1f0c3d2e4a77", with: secret), .userRegisteredV1),
            (
                UpstreamExamples.userCreated.replacingOnce(
                    #""createdAt": "2025-07-04T10:30:00.000Z""#, with: "\"createdAt\": \"\(secret)\""), .userCreated
            ),
        ]
        for (text, format) in cases {
            guard case .failure(let error) = decode(text, format) else {
                Issue.record("\(format) with a bad field decoded")
                continue
            }
            #expect(!error.message.contains(secret))
        }
    }
}

/// The cases, built from the upstream examples so each differs from a valid event in one way only.
enum PoisonCorpus {
    static let registered = UpstreamExamples.userRegistered
    static let created = UpstreamExamples.userCreated

    static func authSvc(_ name: String, _ expected: PoisonError.ErrorClass, _ text: String, header: String? = nil) -> PoisonCase {
        PoisonCase(name: "auth-svc: \(name)", format: .userRegisteredV1, value: Array(text.utf8), header: header, expected: expected)
    }

    static func usersService(_ name: String, _ expected: PoisonError.ErrorClass, _ text: String, header: String? = nil) -> PoisonCase {
        PoisonCase(name: "users-service: \(name)", format: .userCreated, value: Array(text.utf8), header: header, expected: expected)
    }

    static func bytes(_ name: String, _ expected: PoisonError.ErrorClass, _ value: [UInt8]?, _ format: EventFormat = .userRegisteredV1)
        -> PoisonCase
    {
        PoisonCase(name: name, format: format, value: value, expected: expected)
    }

    /// `text` with the one occurrence of `target` replaced by raw bytes (which need not be UTF-8).
    static func splice(_ text: String, _ target: String, _ replacement: [UInt8]) -> [UInt8] {
        let marker = "\u{1}SPLICE\u{1}"
        let parts = text.replacingOnce(target, with: marker).split(separator: marker, omittingEmptySubsequences: false)
        return Array(parts[0].utf8) + replacement + Array(parts[1].utf8)
    }

    static func replacingEmail(_ email: String) -> String {
        registered.replacingOnce("\"usuario@example.com\"", with: email)
    }

    static func replacingUserID(_ userID: String) -> String {
        registered.replacingOnce("\"6f1c2a7e-3b0d-4a55-9d1e-2c4b8f0a9e11\"", with: userID)
    }

    static func replacingDataID(_ id: String) -> String {
        created.replacingOnce(#""id": 1,"#, with: "\"id\": \(id),")
    }

    static func replacingCreatedAt(_ createdAt: String) -> String {
        created.replacingOnce(#""createdAt": "2025-07-04T10:30:00.000Z""#, with: "\"createdAt\": \(createdAt)")
    }

    static let cases: [PoisonCase] = emptyAndSize + encoding + syntax + shape + types + eventTypeAndVersion + fields

    static let emptyAndSize: [PoisonCase] = [
        bytes("a null value (tombstone)", .emptyValue, nil),
        bytes("an empty value", .emptyValue, []),
        bytes("an empty users-service value", .emptyValue, [], .userCreated),
        bytes(
            "one byte over 1 MiB of otherwise valid JSON", .tooLarge,
            Array(
                registered.replacingOnce(
                    #""v": 1,"#,
                    with: #""v": 1, "pad": ""#
                        + String(repeating: "x", count: (1 << 20) + 1 - registered.utf8.count - 11) + "\","
                ).utf8)),
        bytes("2 MiB of spaces", .tooLarge, [UInt8](repeating: 0x20, count: 2 << 20)),
    ]

    static let encoding: [PoisonCase] = [
        bytes("invalid UTF-8 (0xFF) inside a string", .invalidEncoding, splice(registered, "usuario@", [0x75, 0xFF, 0x40])),
        bytes("invalid UTF-8 (0xFE) between tokens", .invalidEncoding, splice(registered, #""v": 1,"#, Array(#""v": 1,"#.utf8) + [0xFE])),
        bytes("a truncated multi-byte sequence", .invalidEncoding, splice(created, "Pérez", [0x50, 0xC3, 0x72]), .userCreated),
        bytes("an overlong encoding of '/'", .invalidEncoding, splice(registered, "Nombre Completo", [0xC0, 0xAF])),
        bytes("a UTF-8 encoded surrogate", .invalidEncoding, splice(registered, "Nombre Completo", [0xED, 0xA0, 0x80])),
        bytes("a code point above U+10FFFF", .invalidEncoding, splice(registered, "Nombre Completo", [0xF4, 0x90, 0x80, 0x80])),
        bytes("a lone continuation byte at the end", .invalidEncoding, Array(registered.utf8) + [0x80]),
        bytes("Latin-1 text", .invalidEncoding, splice(created, "Pérez", [0x50, 0xE9, 0x72, 0x65, 0x7A]), .userCreated),
        authSvc("a lone high surrogate escape", .invalidEncoding, registered.replacingOnce("Nombre Completo", with: #"Nombre \uD83D"#)),
        authSvc("a lone low surrogate escape", .invalidEncoding, registered.replacingOnce("Nombre Completo", with: #"\uDE00 Nombre"#)),
        authSvc(
            "a high surrogate followed by a non-surrogate", .invalidEncoding,
            registered.replacingOnce("Nombre Completo", with: #"\uD83D\u0041"#)),
        usersService("a lone surrogate escape in the email", .invalidEncoding, created.replacingOnce("juan@", with: #"ju\udfffan@"#)),
    ]

    static let syntax: [PoisonCase] = [
        authSvc("plain text", .invalidJSON, "not json"),
        authSvc("truncated JSON", .invalidJSON, String(registered.prefix(registered.count / 2))),
        authSvc("missing the closing brace", .invalidJSON, String(registered.dropLast())),
        authSvc("trailing garbage", .invalidJSON, registered + " x"),
        authSvc("two documents", .invalidJSON, registered + registered),
        authSvc("a trailing comma", .invalidJSON, registered.replacingOnce(#""source": "auth-svc""#, with: #""source": "auth-svc","#)),
        authSvc("single quotes", .invalidJSON, registered.replacingOnce(#""source": "auth-svc""#, with: #"'source': 'auth-svc'"#)),
        authSvc("an unquoted member name", .invalidJSON, registered.replacingOnce(#""source": "auth-svc""#, with: #"source: "auth-svc""#)),
        authSvc("a raw newline inside a string", .invalidJSON, registered.replacingOnce("Nombre Completo", with: "Nombre\nCompleto")),
        authSvc("a raw NUL inside a string", .invalidJSON, registered.replacingOnce("Nombre Completo", with: "Nombre\u{0}Completo")),
        authSvc("an invalid escape", .invalidJSON, registered.replacingOnce("Nombre Completo", with: #"Nombre \x41"#)),
        authSvc("a short \\u escape", .invalidJSON, registered.replacingOnce("Nombre Completo", with: #"Nombre \u41"#)),
        authSvc("a number with a leading zero", .invalidJSON, registered.replacingOnce(#""v": 1,"#, with: #""v": 01,"#)),
        authSvc("NaN", .invalidJSON, registered.replacingOnce(#""v": 1,"#, with: #""v": NaN,"#)),
        authSvc("a misspelt literal", .invalidJSON, registered.replacingOnce(#""Nombre Completo""#, with: "nul")),
        authSvc("a byte-order mark", .invalidJSON, "\u{FEFF}" + registered),
        authSvc("only white space", .invalidJSON, " \n\t "),
        bytes("10 000 open brackets", .nestingTooDeep, [UInt8](repeating: UInt8(ascii: "["), count: 10_000)),
        bytes("10 000 open braces with names", .nestingTooDeep, Array(String(repeating: #"{"a":"#, count: 10_000).utf8), .userCreated),
        authSvc(
            "33 levels inside an unknown member", .nestingTooDeep,
            registered.replacingOnce(
                #""v": 1,"#,
                with:
                    #""v": 1, "extra": "# + String(repeating: "[", count: 33) + String(repeating: "]", count: 33) + ",")),
    ]

    static let shape: [PoisonCase] = [
        authSvc("a top-level array", .schemaViolation, "[" + registered + "]"),
        authSvc("a top-level string", .schemaViolation, #""user_registered""#),
        authSvc("a top-level number", .schemaViolation, "1"),
        authSvc("a top-level null", .schemaViolation, "null"),
        usersService("a top-level true", .schemaViolation, "true"),
        authSvc("an empty object", .schemaViolation, "{}"),
        authSvc("no payload", .schemaViolation, registered.replacingOnce(#""payload""#, with: #""Payload""#)),
        authSvc(
            "a null payload repeated after the real one", .schemaViolation,
            registered.replacingOnce(#""source": "auth-svc""#, with: #""source": "auth-svc", "payload": null"#)),
        authSvc("no payload.email", .schemaViolation, registered.replacingOnce(#""email": "usuario@example.com","#, with: "")),
        authSvc(
            "no payload.user_id", .schemaViolation,
            registered.replacingOnce(#""user_id": "6f1c2a7e-3b0d-4a55-9d1e-2c4b8f0a9e11","#, with: "")),
        authSvc("no id", .schemaViolation, registered.replacingOnce(#""id": "0b9e4c1a-7d2f-4e63-8a5b-1f0c3d2e4a77","#, with: "")),
        authSvc("no ts", .schemaViolation, registered.replacingOnce(#""ts": 1696599999999,"#, with: "")),
        authSvc("no v", .schemaViolation, registered.replacingOnce(#""v": 1,"#, with: "")),
        authSvc("a users-service event on the auth-svc topic", .schemaViolation, created),
        usersService("an auth-svc event on the users-service topic", .schemaViolation, registered),
        usersService("no data", .schemaViolation, created.replacingOnce(#""data""#, with: #""datum""#)),
        usersService("no timestamp", .schemaViolation, created.replacingOnce(#""timestamp": "2025-07-04T10:30:00.000Z","#, with: "")),
        usersService("no data.createdAt", .schemaViolation, created.replacingOnce(#""createdAt""#, with: #""created_at""#)),
        usersService("a null email", .schemaViolation, created.replacingOnce(#""juan@example.com""#, with: "null")),
    ]

    static let types: [PoisonCase] = [
        usersService("a string data.id", .schemaViolation, replacingDataID(#""1""#)),
        usersService("a fractional data.id", .schemaViolation, replacingDataID("1.5")),
        usersService("a data.id written 1.0", .schemaViolation, replacingDataID("1.0")),
        usersService("a data.id written 1e0", .schemaViolation, replacingDataID("1e0")),
        usersService("a data.id beyond 64 bits", .schemaViolation, replacingDataID("9223372036854775808")),
        usersService("a boolean email", .schemaViolation, created.replacingOnce(#""juan@example.com""#, with: "true")),
        usersService("a numeric nombre", .schemaViolation, created.replacingOnce(#""Juan Pérez""#, with: "42")),
        usersService(
            "data as an array", .schemaViolation,
            created.replacingOnce(#""data": {"#, with: #""data": [{"#)
                .replacingOnce("\n    }\n}", with: "\n    }]\n}")),
        usersService(
            "a numeric timestamp", .schemaViolation,
            created.replacingOnce(#""timestamp": "2025-07-04T10:30:00.000Z""#, with: #""timestamp": 1751625000000"#)),
        usersService("a numeric createdAt", .schemaViolation, replacingCreatedAt("1751625000000")),
        authSvc("a string ts", .schemaViolation, registered.replacingOnce("1696599999999", with: #""1696599999999""#)),
        authSvc("a fractional ts", .schemaViolation, registered.replacingOnce("1696599999999", with: "1696599999999.5")),
        authSvc("a numeric id", .schemaViolation, registered.replacingOnce(#""0b9e4c1a-7d2f-4e63-8a5b-1f0c3d2e4a77""#, with: "42")),
        authSvc("a numeric user_id", .schemaViolation, replacingUserID("42")),
        authSvc("an object email", .schemaViolation, replacingEmail(#"{"address": "usuario@example.com"}"#)),
        authSvc("an array full_name", .schemaViolation, registered.replacingOnce(#""Nombre Completo""#, with: #"["Nombre"]"#)),
        authSvc(
            "payload as a string", .schemaViolation,
            registered.replacingOnce(#""source": "auth-svc""#, with: #""source": "auth-svc", "payload": "{}""#)),
        authSvc("a string event", .schemaViolation, registered.replacingOnce(#""user_registered""#, with: "1")),
    ]

    static let eventTypeAndVersion: [PoisonCase] = [
        authSvc("event user_deleted", .unknownEventType, registered.replacingOnce(#""user_registered""#, with: #""user_deleted""#)),
        authSvc("event in another case", .unknownEventType, registered.replacingOnce(#""user_registered""#, with: #""USER_REGISTERED""#)),
        authSvc("an empty event", .unknownEventType, registered.replacingOnce(#""user_registered""#, with: #""""#)),
        usersService("eventType USER_DELETED", .unknownEventType, created.replacingOnce("USER_CREATED", with: "USER_DELETED")),
        usersService("eventType user_created", .unknownEventType, created.replacingOnce("USER_CREATED", with: "user_created")),
        authSvc("v 2", .unsupportedVersion, registered.replacingOnce(#""v": 1,"#, with: #""v": 2,"#)),
        authSvc("v 0", .unsupportedVersion, registered.replacingOnce(#""v": 1,"#, with: #""v": 0,"#)),
        authSvc("v -1", .unsupportedVersion, registered.replacingOnce(#""v": 1,"#, with: #""v": -1,"#)),
        authSvc("v \"1\"", .schemaViolation, registered.replacingOnce(#""v": 1,"#, with: #""v": "1","#)),
        authSvc("v 1.0", .schemaViolation, registered.replacingOnce(#""v": 1,"#, with: #""v": 1.0,"#)),
    ]

    static let fields: [PoisonCase] = [
        authSvc("an empty user_id", .invalidField, replacingUserID(#""""#)),
        authSvc("a user_id of 257 bytes", .invalidField, replacingUserID("\"" + String(repeating: "u", count: 257) + "\"")),
        authSvc(
            "a user_id of 258 bytes in 129 two-byte characters", .invalidField,
            replacingUserID("\"" + String(repeating: "é", count: 129) + "\"")),
        authSvc("a user_id of 100 000 bytes", .invalidField, replacingUserID("\"" + String(repeating: "u", count: 100_000) + "\"")),
        authSvc("a user_id with an escaped control character", .invalidField, replacingUserID(#""user\u0007""#)),
        authSvc("a user_id with an escaped NUL", .invalidField, replacingUserID(#""user\u0000""#)),
        usersService("data.id 0", .invalidField, replacingDataID("0")),
        usersService("data.id -1", .invalidField, replacingDataID("-1")),
        usersService("data.id Int64.min", .invalidField, replacingDataID("-9223372036854775808")),
        authSvc("an email without @", .invalidField, replacingEmail(#""usuario.example.com""#)),
        authSvc("an email with two @", .invalidField, replacingEmail(#""usuario@exa@mple.com""#)),
        authSvc("an email with an empty local part", .invalidField, replacingEmail(#""@example.com""#)),
        authSvc("an email with an empty domain", .invalidField, replacingEmail(#""usuario@""#)),
        authSvc("an email that is only @", .invalidField, replacingEmail(#""@""#)),
        authSvc("an empty email", .invalidField, replacingEmail(#""""#)),
        authSvc(
            "an email of 255 bytes", .invalidField,
            replacingEmail("\"" + String(repeating: "a", count: 64) + "@" + String(repeating: "b", count: 190) + "\"")),
        authSvc("an email of 100 000 bytes", .invalidField, replacingEmail("\"u@" + String(repeating: "b", count: 100_000) + "\"")),
        authSvc("an email with a space", .invalidField, replacingEmail(#""usu ario@example.com""#)),
        authSvc("an email with an escaped newline", .invalidField, replacingEmail(#""usuario@example.com\n""#)),
        authSvc("an email with an escaped DEL", .invalidField, replacingEmail(#""usuario@example.com\u007f""#)),
        usersService("an email without @", .invalidField, created.replacingOnce("juan@example.com", with: "juan")),
        usersService("createdAt a date only", .invalidField, replacingCreatedAt(#""2025-07-04""#)),
        usersService("createdAt in words", .invalidField, replacingCreatedAt(#""yesterday""#)),
        usersService("createdAt 30 February", .invalidField, replacingCreatedAt(#""2025-02-30T10:30:00Z""#)),
        usersService("createdAt 29 February of a common year", .invalidField, replacingCreatedAt(#""2025-02-29T10:30:00Z""#)),
        usersService("createdAt without an offset", .invalidField, replacingCreatedAt(#""2025-07-04T10:30:00""#)),
        usersService("createdAt hour 24", .invalidField, replacingCreatedAt(#""2025-07-04T24:00:00Z""#)),
        usersService("createdAt empty", .invalidField, replacingCreatedAt(#""""#)),
        authSvc(
            "a non-UUID envelope id", .invalidField,
            registered.replacingOnce("0b9e4c1a-7d2f-4e63-8a5b-1f0c3d2e4a77", with: "0b9e4c1a-7d2f-4e63-8a5b")),
        authSvc("an empty envelope id", .invalidField, registered.replacingOnce("0b9e4c1a-7d2f-4e63-8a5b-1f0c3d2e4a77", with: "")),
        authSvc("a negative ts", .invalidField, registered.replacingOnce("1696599999999", with: "-1")),
        usersService("a non-UUID event-id header", .invalidField, created, header: "event-1"),
        usersService("an empty event-id header", .invalidField, created, header: ""),
    ]
}

import Foundation
import ProfileCore
import TestSupport

/// A JSON document kept as a tree, so that one member can be changed, removed or retyped on purpose, and written
/// out with the freedom a producer has (white space, string escapes), or with bytes that are not UTF-8.
indirect enum JSONDocument {
    /// Written exactly as given: numbers, `null`, `true`, `[]`, nested arrays.
    case literal(String)
    /// A string, escaped at random when written.
    case string(String)
    /// Raw bytes between quotes, written as they are (not necessarily UTF-8).
    case rawString([UInt8])
    case object([(String, JSONDocument)])

    /// The member at `path` replaced by `value`, or removed when `value` is nil.
    func setting(_ path: ArraySlice<String>, to value: JSONDocument?) -> JSONDocument {
        guard case .object(var members) = self, let name = path.first else { return self }
        let index = members.lastIndex { $0.0 == name }
        if path.count == 1 {
            switch (index, value) {
            case (let index?, let value?): members[index].1 = value
            case (let index?, nil): members.remove(at: index)
            case (nil, let value?): members.append((name, value))
            case (nil, nil): break
            }
        } else if let index {
            members[index].1 = members[index].1.setting(path.dropFirst(), to: value)
        }
        return .object(members)
    }
}

/// Makes valid events of both formats, written in any of the ways a producer may write them, each with the event
/// the decoder must read from it; and breaks them one rule at a time, each with the class the break must get.
struct EventSampler {
    /// A message, the `event-id` header it travels with, and what decoding it must give.
    struct Sample {
        var format: EventFormat
        var document: JSONDocument
        var header: String?
        var expected: Expected
        /// What was done to the valid event, for a failure's message.
        var change: String
    }

    enum Expected {
        /// The event, and the `event-id` header reported as disagreeing with it.
        case decoded(UserCreatedEvent, conflictingHeader: String?)
        case poison(PoisonError.ErrorClass)
    }

    var random: SplitMix64

    // MARK: - Valid events

    /// A valid event of `format`, members in any order, optional members absent, null or set, unknown members added.
    mutating func valid(_ format: EventFormat) -> Sample {
        switch format {
        case .userRegisteredV1: validUserRegistered()
        case .userCreated: validUserCreated()
        }
    }

    private mutating func validUserRegistered() -> Sample {
        let id = uuid()
        let idText = Bool.random(using: &random) ? id.uuidString.lowercased() : id.uuidString
        let createdAt = Int64.random(in: 0...4_102_444_800_000, using: &random)
        let userID = text(Self.userIDCharacters, bytes: 1...Self.maxUserIDBytes)
        let email = address()
        let name = displayName()
        var payload: [(String, JSONDocument)] = [("user_id", .string(userID)), ("email", .string(email))]
        if let field = name.field { payload.append(("full_name", field)) }
        var members: [(String, JSONDocument)] = [
            ("event", .string("user_registered")), ("id", .string(idText)), ("ts", .literal(String(createdAt))), ("v", .literal("1")),
            ("payload", .object(shuffledWithExtras(payload))),
        ]
        if Bool.random(using: &random) { members.append(("source", .string("auth-svc"))) }
        let header: String? =
            switch Int.random(in: 0..<4, using: &random) {
            case 0: nil
            case 1: idText.uppercased()  // the same id: no conflict
            case 2: uuid().uuidString.lowercased()
            default: "not-a-uuid"
            }
        let conflict = header.flatMap { UUID(uuidString: $0) == id ? nil : $0 }
        let event = UserCreatedEvent(
            eventID: id, source: .authService, userID: userID, email: email, displayName: name.value,
            createdAt: createdAt)
        return Sample(
            format: .userRegisteredV1, document: .object(shuffledWithExtras(members)), header: header,
            expected: .decoded(event, conflictingHeader: conflict), change: "none")
    }

    private mutating func validUserCreated() -> Sample {
        let id = Int64.random(in: 1...Int64.max, using: &random)
        let timestamp = text(Self.anyCharacters, bytes: 0...40)
        let (createdAtText, createdAt) = rfc3339()
        let email = address()
        let name = displayName()
        var data: [(String, JSONDocument)] = [
            ("id", .literal(String(id))), ("email", .string(email)), ("createdAt", .string(createdAtText)),
        ]
        if let field = name.field { data.append(("nombre", field)) }
        let members: [(String, JSONDocument)] = [
            ("eventType", .string("USER_CREATED")), ("timestamp", .string(timestamp)),
            ("data", .object(shuffledWithExtras(data))),
        ]
        let headerID = Bool.random(using: &random) ? uuid() : nil
        let event = UserCreatedEvent(
            eventID: headerID ?? EventID.derivedForUserCreated(userID: id, timestamp: timestamp), source: .usersService,
            userID: String(id), email: email, displayName: name.value, createdAt: createdAt)
        return Sample(
            format: .userCreated, document: .object(shuffledWithExtras(members)), header: headerID?.uuidString.lowercased(),
            expected: .decoded(event, conflictingHeader: nil), change: "none")
    }

    // MARK: - One rule broken

    /// A valid event of `format` with exactly one rule of its shape or fields broken, and the class that break must
    /// be given. (Breaks of the bytes as a whole, cut short, too large or empty, are the caller's: see ``cutShort(_:)``.)
    mutating func broken(_ format: EventFormat) -> Sample {
        let sample = valid(format)
        let registered = format == .userRegisteredV1
        let typeField = registered ? "event" : "eventType"
        let body = registered ? "payload" : "data"
        let emailPath = [body, "email"]
        // Members the decoder requires, with the type each must have.
        let strings =
            registered
            ? [["event"], ["id"], ["payload", "user_id"], ["payload", "email"]]
            : [["eventType"], ["timestamp"], ["data", "email"], ["data", "createdAt"]]
        let integers = registered ? [["v"], ["ts"]] : [["data", "id"]]
        let objects = [[body]]
        var result = sample
        func set(_ path: [String], _ value: JSONDocument?, _ expected: PoisonError.ErrorClass, _ change: String) {
            result.document = sample.document.setting(path[...], to: value)
            result.expected = .poison(expected)
            result.change = change
        }
        switch Int.random(in: 0..<12, using: &random) {
        case 0:
            let other = [
                registered ? "user_deleted" : "USER_DELETED", registered ? "USER_REGISTERED" : "user_created", "",
                (registered ? "user_registered" : "USER_CREATED") + " ",
            ].randomElement(using: &random)!
            set([typeField], .string(other), .unknownEventType, "\(typeField) = \(other)")
        case 1 where registered:
            let version = [0, 2, -1, 10, Int64.max].randomElement(using: &random)!
            set(["v"], .literal(String(version)), .unsupportedVersion, "v = \(version)")
        case 2:
            let path = (strings + integers + objects).randomElement(using: &random)!
            let null = Bool.random(using: &random)
            set(path, null ? .literal("null") : nil, .schemaViolation, "\(path.joined(separator: ".")) \(null ? "null" : "removed")")
        case 3:
            let path = strings.randomElement(using: &random)!
            let value = ["1", "true", "[]", "{}", "1.5"].randomElement(using: &random)!
            set(path, .literal(value), .schemaViolation, "\(path.joined(separator: ".")) = \(value)")
        case 4:
            let path = (integers + objects).randomElement(using: &random)!
            let value = JSONDocument.string("1")
            set(path, value, .schemaViolation, "\(path.joined(separator: ".")) = \"1\"")
        case 5:
            let path = integers.randomElement(using: &random)!
            let value = ["1.5", "9223372036854775808", "-9223372036854775809", "true"].randomElement(using: &random)!
            set(path, .literal(value), .schemaViolation, "\(path.joined(separator: ".")) = \(value)")
        case 6:
            let path = [body, registered ? "full_name" : "nombre"]
            set(
                path, .literal(["1", "false", "[]", "{}"].randomElement(using: &random)!), .schemaViolation,
                "\(path.joined(separator: ".")) not a string")
        case 7:
            let bad = badAddress()
            set(emailPath, .string(bad), .invalidField, "email = \(bad.debugDescription)")
        case 8 where registered:
            let bad = [
                text(Self.userIDCharacters, bytes: 1...30) + "\u{1}", "", String(repeating: "x", count: Self.maxUserIDBytes + 1),
                "a\u{85}b", "\u{7F}",
            ].randomElement(using: &random)!
            set(["payload", "user_id"], .string(bad), .invalidField, "user_id = \(bad.debugDescription)")
        case 8:
            let bad = ["0", "-1", String(Int64.min)].randomElement(using: &random)!
            set(["data", "id"], .literal(bad), .invalidField, "data.id = \(bad)")
        case 9 where registered:
            if Bool.random(using: &random) {
                let bad = ["not-a-uuid", "", uuid().uuidString + "0", String(uuid().uuidString.dropLast())].randomElement(using: &random)!
                set(["id"], .string(bad), .invalidField, "id = \(bad)")
            } else {
                let bad = Int64.random(in: Int64.min ... -1, using: &random)
                set(["ts"], .literal(String(bad)), .invalidField, "ts = \(bad)")
            }
        case 9:
            if Bool.random(using: &random) {
                let bad = ["2025-02-30T00:00:00Z", "2025-07-04", "yesterday", "", "2025-07-04T25:00:00Z", "1751625000000"]
                    .randomElement(using: &random)!
                set(["data", "createdAt"], .string(bad), .invalidField, "createdAt = \(bad)")
            } else {
                result.header = ["not-a-uuid", "", "0b9e4c1a7d2f4e638a5b1f0c3d2e4a77x"].randomElement(using: &random)!
                result.expected = .poison(.invalidField)
                result.change = "event-id header \(result.header!.debugDescription)"
            }
        case 10:
            // An unknown member nested deeper than the decoder allows (32 levels).
            let depth = Int.random(in: 40...60, using: &random)
            let deep = String(repeating: "[", count: depth) + String(repeating: "]", count: depth)
            set(["extra"], .literal(deep), .nestingTooDeep, "\(depth) nested arrays")
        case 11:
            let user = registered ? ["payload", "user_id"] : ["data", "email"]
            let invalid = Self.invalidUTF8.randomElement(using: &random)!
            set(
                user, .rawString(Array("ab".utf8) + invalid + Array("cd".utf8)), .invalidEncoding,
                "\(user.joined(separator: ".")) with bytes \(invalid)")
        default:
            // A case that does not apply to this format: the message as a whole is not an object.
            let value = ["[]", "\"text\"", "1", "null", "[{}]"].randomElement(using: &random)!
            result.document = .literal(value)
            result.expected = .poison(.schemaViolation)
            result.change = "the message is \(value)"
        }
        return result
    }

    /// A proper prefix of `bytes` (a valid event's), cut at a character boundary before its closing brace: never JSON.
    /// Not between the escape of a high surrogate (`\uD83D`) and the end of its pair's: that prefix ends in a lone
    /// surrogate, which the decoder refuses as an encoding error before it sees the text end.
    mutating func cutShort(_ bytes: [UInt8]) -> [UInt8] {
        let closing = bytes.lastIndex(of: UInt8(ascii: "}"))!
        var cut = Int.random(in: 1...closing, using: &random)
        while cut > 1, bytes[cut] & 0xC0 == 0x80 { cut -= 1 }  // not inside a UTF-8 sequence
        // A high surrogate's escape whose pair the cut leaves incomplete: cut inside that escape instead.
        for start in max(0, cut - 11)...max(0, cut - 6)
        where bytes[start] == UInt8(ascii: "\\") && bytes[start + 1] == UInt8(ascii: "u")
            && "dD".utf8.contains(bytes[start + 2]) && "89abAB".utf8.contains(bytes[start + 3])
        {
            cut = start + 2
            break
        }
        return Array(bytes[..<cut])
    }

    // MARK: - Writing

    /// `document` as bytes, with white space between tokens and string escapes chosen at random.
    mutating func bytes(_ document: JSONDocument) -> [UInt8] {
        var output: [UInt8] = []
        space(&output)
        write(document, to: &output)
        space(&output)
        return output
    }

    private mutating func write(_ document: JSONDocument, to output: inout [UInt8]) {
        switch document {
        case .literal(let text): output += Array(text.utf8)
        case .string(let text): writeString(text, to: &output)
        case .rawString(let bytes): output += [UInt8(ascii: "\"")] + bytes + [UInt8(ascii: "\"")]
        case .object(let members):
            output.append(UInt8(ascii: "{"))
            for (index, member) in members.enumerated() {
                if index > 0 { output.append(UInt8(ascii: ",")) }
                space(&output)
                writeString(member.0, to: &output)
                space(&output)
                output.append(UInt8(ascii: ":"))
                space(&output)
                write(member.1, to: &output)
                space(&output)
            }
            output.append(UInt8(ascii: "}"))
        }
    }

    private mutating func writeString(_ text: String, to output: inout [UInt8]) {
        output.append(UInt8(ascii: "\""))
        for scalar in text.unicodeScalars {
            let escape = Int.random(in: 0..<4, using: &random) == 0
            switch scalar {
            case "\"": output += Array((escape ? "\\u0022" : "\\\"").utf8)
            case "\\": output += Array((escape ? "\\u005C" : "\\\\").utf8)
            case "/": output += Array((escape ? "\\/" : "/").utf8)
            case "\n": output += Array((escape ? "\\u000a" : "\\n").utf8)
            case "\t": output += Array((escape ? "\\u0009" : "\\t").utf8)
            case _ where scalar.value < 0x20: output += Array(Self.unicodeEscape(scalar.value, uppercase: escape).utf8)
            case _ where escape:
                if scalar.value > 0xFFFF {
                    let value = scalar.value - 0x10000
                    output += Array(
                        (Self.unicodeEscape(0xD800 + (value >> 10), uppercase: Bool.random(using: &random))
                            + Self.unicodeEscape(0xDC00 + (value & 0x3FF), uppercase: Bool.random(using: &random))).utf8)
                } else {
                    output += Array(Self.unicodeEscape(scalar.value, uppercase: Bool.random(using: &random)).utf8)
                }
            default: output += Array(String(scalar).utf8)
            }
        }
        output.append(UInt8(ascii: "\""))
    }

    private static func unicodeEscape(_ value: UInt32, uppercase: Bool) -> String {
        let hex = String(value, radix: 16, uppercase: uppercase)
        return "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
    }

    private mutating func space(_ output: inout [UInt8]) {
        if Int.random(in: 0..<4, using: &random) == 0 {
            output += Array([" ", "\n", "\t", "\r\n", "  \n  "].randomElement(using: &random)!.utf8)
        }
    }

    // MARK: - Values

    static let maxUserIDBytes = 256
    static let maxEmailBytes = 254
    static let invalidUTF8: [[UInt8]] = [
        [0xFF], [0x80], [0xC3, 0x28], [0xED, 0xA0, 0x80], [0xC0, 0xAF], [0xF4, 0x90, 0x80, 0x80], [0xE2, 0x82],
    ]

    /// Not control characters, including the ones JSON must escape and some outside the BMP.
    static let userIDCharacters: [Unicode.Scalar] = Array("abcXYZ0189-_.:/\"\\ +#%éüñ日本語😀🇪\u{A0}\u{2028}\u{FFFD}".unicodeScalars)
    /// What an address may hold on either side of its `@` (no white space, no control characters, no `@`).
    static let addressCharacters: [Unicode.Scalar] = Array("abcXYZ0189-_.+/\"\\éü日😀".unicodeScalars)
    /// Anything, control characters included.
    static let anyCharacters: [Unicode.Scalar] = userIDCharacters + ["\u{0}", "\u{1}", "\n", "\t", "\u{7F}", "\u{85}", "@"]

    /// Text of `characters` whose UTF-8 length is within `bytes`; now and then exactly the most that range allows.
    private mutating func text(_ characters: [Unicode.Scalar], bytes: ClosedRange<Int>) -> String {
        if bytes.upperBound > 1, Int.random(in: 0..<20, using: &random) == 0 {
            return String(repeating: "a", count: bytes.upperBound)
        }
        var text = String.UnicodeScalarView()
        var length = 0
        let wanted = Int.random(in: bytes.lowerBound...min(bytes.upperBound, 40), using: &random)
        while length < wanted {
            let scalar = characters.randomElement(using: &random)!
            let size = String(scalar).utf8.count
            if length + size > bytes.upperBound { break }
            text.append(scalar)
            length += size
        }
        while length < bytes.lowerBound {
            text.append("a")
            length += 1
        }
        return String(text)
    }

    private mutating func address() -> String {
        if Int.random(in: 0..<20, using: &random) == 0 {
            let local = Int.random(in: 1...(Self.maxEmailBytes - 2), using: &random)
            return String(repeating: "l", count: local) + "@" + String(repeating: "d", count: Self.maxEmailBytes - 1 - local)
        }
        return text(Self.addressCharacters, bytes: 1...30) + "@" + text(Self.addressCharacters, bytes: 1...30)
    }

    private mutating func badAddress() -> String {
        let good = address()
        let at = good.firstIndex(of: "@")!
        return [
            good.replacingOccurrences(of: "@", with: ""), good + "@x", String(good[at...]), String(good[...at]),
            good.replacingOccurrences(of: "@", with: " @"), good.replacingOccurrences(of: "@", with: "@\t"), good + "\u{7F}",
            String(repeating: "l", count: 200) + "@" + String(repeating: "d", count: 54),
        ].randomElement(using: &random)!
    }

    /// An optional display name: absent, null, or any text (control characters too: it is not validated).
    private mutating func displayName() -> (field: JSONDocument?, value: String?) {
        switch Int.random(in: 0..<4, using: &random) {
        case 0: return (nil, nil)
        case 1: return (.literal("null"), nil)
        default:
            let name = text(Self.anyCharacters, bytes: 0...60)
            return (.string(name), name)
        }
    }

    /// An RFC 3339 time between 1971 and 9998, in UTC or with an offset, with or without milliseconds, and its value.
    private mutating func rfc3339() -> (String, Int64) {
        var milliseconds = Int64.random(in: 31_536_000_000...253_370_764_800_000, using: &random)
        let fraction = Bool.random(using: &random)
        if !fraction { milliseconds -= milliseconds % 1000 }
        let offsetMinutes = Bool.random(using: &random) ? 0 : Int64.random(in: -56...56, using: &random) * 15
        let local = milliseconds + offsetMinutes * 60_000
        let days = local.floorDivided(by: 86_400_000)
        let (year, month, day) = Self.civil(fromDays: days)
        let ofDay = local - days * 86_400_000
        func two(_ value: Int64) -> String { value < 10 ? "0\(value)" : "\(value)" }
        var text =
            "\(year)-\(two(month))-\(two(day))\(["T", "t", " "].randomElement(using: &random)!)"
            + "\(two(ofDay / 3_600_000)):\(two(ofDay / 60_000 % 60)):\(two(ofDay / 1000 % 60))"
        if fraction { text += "." + String(String(ofDay % 1000 + 1000).dropFirst()) }
        if offsetMinutes == 0 {
            text += Bool.random(using: &random) ? "Z" : "z"
        } else {
            text += (offsetMinutes < 0 ? "-" : "+") + two(abs(offsetMinutes) / 60) + ":" + two(abs(offsetMinutes) % 60)
        }
        return (text, milliseconds)
    }

    /// Year, month and day of a day count since 1970-01-01 (Howard Hinnant's `civil_from_days`).
    private static func civil(fromDays days: Int64) -> (Int64, Int64, Int64) {
        let z = days + 719_468
        let era = z.floorDivided(by: 146_097)
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let shifted = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * shifted + 2) / 5 + 1
        let month = shifted < 10 ? shifted + 3 : shifted - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    private mutating func uuid() -> UUID {
        var bytes = (0..<16).map { _ in UInt8.random(in: 0...255, using: &random) }
        bytes[6] = bytes[6] & 0x0F | 0x40
        bytes[8] = bytes[8] & 0x3F | 0x80
        return UUID(
            uuid: (
                bytes[0], bytes[1], bytes[2], bytes[3], bytes[4], bytes[5], bytes[6], bytes[7],
                bytes[8], bytes[9], bytes[10], bytes[11], bytes[12], bytes[13], bytes[14], bytes[15]
            ))
    }

    /// `members` in a random order, with unknown members (never one of the known names) added now and then.
    private mutating func shuffledWithExtras(_ members: [(String, JSONDocument)]) -> [(String, JSONDocument)] {
        var members = members
        for _ in 0..<Int.random(in: 0...2, using: &random) {
            let name = ["password", "Event", "ID", "meta", "traceId", "schema_version", "é", ""].randomElement(using: &random)!
            let value: JSONDocument = [
                .literal("null"), .literal("true"), .literal("-1.5e3"), .literal("[1,{\"a\":[]}]"), .string("hunter2"),
                .object([("password", .string("hunter2")), ("n", .literal("9223372036854775808"))]),
            ].randomElement(using: &random)!
            members.append((name, value))
        }
        return members.shuffled(using: &random)
    }
}

private extension Int64 {
    func floorDivided(by divisor: Int64) -> Int64 {
        let quotient = self / divisor
        return (self % divisor != 0 && (self < 0) != (divisor < 0)) ? quotient - 1 : quotient
    }
}

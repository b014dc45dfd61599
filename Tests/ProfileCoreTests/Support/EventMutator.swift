import ProfileCore
import TestSupport

/// Makes near-valid messages: an upstream example changed structurally (members deleted, repeated,
/// retyped, added) and then at the byte level (bits flipped, bytes inserted or deleted, text cut short).
struct EventMutator {
    /// A JSON document kept as members, so that whole fields can be deleted or repeated.
    indirect enum Node {
        case raw(String)
        case object([(String, Node)])

        var json: String {
            switch self {
            case .raw(let text): text
            case .object(let members): "{" + members.map { "\"\($0.0)\":\($0.1.json)" }.joined(separator: ",") + "}"
            }
        }
    }

    static func template(_ format: EventFormat) -> Node {
        switch format {
        case .userRegisteredV1:
            .object([
                ("event", .raw(#""user_registered""#)), ("id", .raw(#""0b9e4c1a-7d2f-4e63-8a5b-1f0c3d2e4a77""#)),
                ("ts", .raw("1696599999999")), ("v", .raw("1")),
                (
                    "payload",
                    .object([
                        ("user_id", .raw(#""6f1c2a7e-3b0d-4a55-9d1e-2c4b8f0a9e11""#)),
                        ("email", .raw(#""usuario@example.com""#)), ("full_name", .raw(#""Nombre Completo""#)),
                    ])
                ),
                ("source", .raw(#""auth-svc""#)),
            ])
        case .userCreated:
            .object([
                ("eventType", .raw(#""USER_CREATED""#)), ("timestamp", .raw(#""2025-07-04T10:30:00.000Z""#)),
                (
                    "data",
                    .object([
                        ("id", .raw("1")), ("nombre", .raw(#""Juan P\u00e9rez""#)), ("email", .raw(#""juan@example.com""#)),
                        ("createdAt", .raw(#""2025-07-04T10:30:00.000Z""#)),
                    ])
                ),
            ])
        }
    }

    /// Values that sit on the edges of what the decoder accepts.
    static let interestingValues: [String] = [
        "null", "true", "false", "0", "-1", "1", "2", "1.5", "1e3", "9223372036854775808", "-9223372036854775809",
        #""""#, #""x""#, #""@""#, #""a@b""#, #""a@@b""#, #""\ud800""#, #""\u0000""#, "[]", "{}", #"{"id":1}"#,
        "\"" + String(repeating: "x", count: 300) + "\"", #""2025-02-30T00:00:00Z""#, #""2025-07-04T10:30:00+02:00""#,
        #""USER_CREATED""#, #""user_registered""#, #""0b9e4c1a-7d2f-4e63-8a5b-1f0c3d2e4a77""#, #""é@ü.example""#,
        String(repeating: "[", count: 40) + String(repeating: "]", count: 40),
    ]

    static let interestingBytes: [UInt8] = [0x00, 0x09, 0x22, 0x2C, 0x3A, 0x5C, 0x5B, 0x5D, 0x7B, 0x7D, 0x80, 0xC3, 0xED, 0xFF]

    var random: SplitMix64

    /// One mutated message of `format`; at least one change is always made.
    mutating func message(_ format: EventFormat) -> [UInt8] {
        var document = Self.template(format)
        let structural = Int.random(in: 0...2, using: &random)
        for _ in 0..<structural { mutateMembers(&document, depth: 0) }
        var bytes = Array(document.json.utf8)
        let minimum = structural == 0 ? 1 : 0
        for _ in 0..<Int.random(in: minimum...3, using: &random) { mutateBytes(&bytes) }
        return bytes
    }

    /// An `event-id` header: absent, the example's, another UUID, or not a UUID.
    mutating func header() -> String? {
        [nil, "0b9e4c1a-7d2f-4e63-8a5b-1f0c3d2e4a77", "5d0c7a43-1b7e-4f0a-9a51-3f7f0f7f0f7f", "garbage"]
            .randomElement(using: &random)!
    }

    private mutating func mutateMembers(_ node: inout Node, depth: Int) {
        guard case .object(var members) = node, !members.isEmpty else { return }
        let index = Int.random(in: 0..<members.count, using: &random)
        if case .object = members[index].1, depth == 0, Bool.random(using: &random) {
            mutateMembers(&members[index].1, depth: depth + 1)
            node = .object(members)
            return
        }
        let value = Node.raw(Self.interestingValues.randomElement(using: &random)!)
        switch Int.random(in: 0..<5, using: &random) {
        case 0: members.remove(at: index)
        case 1: members.insert(members[index], at: Int.random(in: 0...members.count, using: &random))
        case 2: members.append((members[index].0, value))
        case 3: members[index].1 = value
        default: members.insert(("extra\(index)", value), at: Int.random(in: 0...members.count, using: &random))
        }
        node = .object(members)
    }

    private mutating func mutateBytes(_ bytes: inout [UInt8]) {
        guard !bytes.isEmpty else {
            bytes.append(UInt8.random(in: 0...255, using: &random))
            return
        }
        let at = Int.random(in: 0..<bytes.count, using: &random)
        switch Int.random(in: 0..<7, using: &random) {
        case 0: bytes[at] ^= 1 << UInt8.random(in: 0..<8, using: &random)
        case 1: bytes[at] = Self.interestingBytes.randomElement(using: &random)!
        case 2: bytes.removeSubrange(at...)
        case 3: bytes.insert(UInt8.random(in: 0...255, using: &random), at: at)
        case 4: bytes.insert(contentsOf: Self.interestingBytes.shuffled(using: &random).prefix(2), at: at)
        case 5: bytes.removeSubrange(at..<min(bytes.count, at + Int.random(in: 1...8, using: &random)))
        default:
            let repeated = bytes[at..<min(bytes.count, at + Int.random(in: 1...16, using: &random))]
            bytes.insert(contentsOf: repeated, at: at)
        }
    }
}

import ProfileCore
import Testing

/// The strict parser under the decoder: what it accepts, and where and why it refuses.
@Suite("JSON parser", .timeLimit(.minutes(1)))
struct JSONParserTests {
    private func parse(_ text: String, maxDepth: Int = 32) throws(JSONParser.Failure) -> JSONValue {
        try JSONParser.parse(Array(text.utf8), maxDepth: maxDepth)
    }

    @Test func parsesEveryKindOfValue() throws {
        let value = try parse(#" {"s":"a","n":-12,"f":2.5e1,"t":true,"F":false,"z":null,"a":[1,[]],"o":{}} "#)
        #expect(
            value
                == .object([
                    ("s", .string("a")),
                    ("n", .number(integer: -12, double: -12)),
                    ("f", .number(integer: nil, double: 25)),
                    ("t", .bool(true)),
                    ("F", .bool(false)),
                    ("z", .null),
                    ("a", .array([.number(integer: 1, double: 1), .array([])])),
                    ("o", .object([])),
                ]))
        #expect(value["n"] == .number(integer: -12, double: -12))
        #expect(value["missing"] == nil)
        #expect(JSONValue.string("x")["s"] == nil)
    }

    @Test func keepsMemberOrderAndLetsTheLastRepeatWin() throws {
        let value = try parse(#"{"b":1,"a":2,"b":3}"#)
        guard case .object(let members) = value else { Issue.record("not an object"); return }
        #expect(members.map(\.0) == ["b", "a", "b"])
        #expect(value["b"] == .number(integer: 3, double: 3))
    }

    @Test(
        arguments: [
            ("0", 0), ("-0", 0), ("9223372036854775807", Int64.max), ("-9223372036854775808", Int64.min),
        ] as [(String, Int64)])
    func integersKeepTheirExactValue(text: String, integer: Int64) throws {
        guard case .number(let parsed, _) = try parse(text) else { Issue.record("not a number"); return }
        #expect(parsed == integer)
    }

    @Test(arguments: ["9223372036854775808", "1.0", "1e2", "1E-2", "-0.5", "1e400"])
    func nonIntegersAndOutOfRangeNumbersHaveNoIntegerValue(text: String) throws {
        guard case .number(let integer, let double) = try parse(text) else { Issue.record("not a number"); return }
        #expect(integer == nil)
        #expect(!double.isNaN)
    }

    @Test func decodesEscapesAndSurrogatePairs() throws {
        #expect(try parse(#""\"\\\/\b\f\n\r\t\u0041\u00e9\u20AC\ud83d\ude00""#) == .string("\"\\/\u{8}\u{C}\n\r\tAé€😀"))
        #expect(try parse("\"héllo €\"") == .string("héllo €"))
        #expect(try parse(#""\u0000""#) == .string("\u{0}"))
    }

    @Test func nestingUpToTheLimitIsAccepted() throws {
        let deepest = String(repeating: "[", count: 32) + String(repeating: "]", count: 32)
        #expect(throws: Never.self) { try parse(deepest) }
        #expect(throws: JSONParser.Failure.tooDeep(limit: 32)) { try parse("[" + deepest + "]") }
        #expect(throws: JSONParser.Failure.tooDeep(limit: 2)) { try parse(#"{"a":{"b":[]}}"#, maxDepth: 2) }
    }

    @Test(
        arguments: [
            ("", 0), ("   ", 3), ("{", 1), ("[1,]", 3), ("[1 2]", 3), (#"{"a" 1}"#, 5), (#"{"a":1,}"#, 7), ("{1:2}", 1),
            ("tru", 0), ("nulL", 0), ("01", 1), ("1.", 0), ("1e", 0), ("-", 0), ("+1", 0), (".5", 0), ("[1]x", 3),
            (#""abc"#, 0), (#""\q""#, 2), (#""\u12G4""#, 5), ("\"a\tb\"", 2),
        ] as [(String, Int)])
    func syntaxErrorsSayWhere(text: String, offset: Int) {
        #expect {
            try parse(text)
        } throws: { error in
            guard case .syntax(_, let at) = error as? JSONParser.Failure else { return false }
            return at == offset
        }
    }

    @Test(
        arguments: [
            ([0x22, 0x61, 0xFF, 0x22], 2), ([0xC3], 0), ([0x5B, 0x22, 0xE2, 0x82, 0x22, 0x5D], 2),
            ([0x22, 0xED, 0xA0, 0x80, 0x22], 1),
        ] as [([UInt8], Int)])
    func invalidUTF8SaysWhere(bytes: [UInt8], offset: Int) {
        #expect(throws: JSONParser.Failure.invalidUTF8(offset: offset)) { try JSONParser.parse(bytes) }
    }

    @Test(arguments: [#""\ud800""#, #""\udc00""#, #""\ud800\u0041""#, #""\ud800\ud800""#, #""\ud800x""#])
    func loneSurrogateEscapesAreInvalidUTF8(text: String) {
        #expect {
            try parse(text)
        } throws: { error in
            if case .invalidUTF8 = error as? JSONParser.Failure { return true }
            return false
        }
    }
}

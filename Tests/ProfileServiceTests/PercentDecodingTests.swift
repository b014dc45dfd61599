import Foundation
import Testing

@testable import ProfileService

/// The path's percent-decoding against Foundation's `removingPercentEncoding`, which it replaces.
@Suite("Percent decoding", .timeLimit(.minutes(1)))
struct PercentDecodingTests {
    @Test(arguments: [
        "alice", "", "a%2Fb", "a%2fb", "%20", "caf%C3%A9", "%E2%82%AC%F0%9F%98%80", "100%25", "a+b", "%41%42%43",
        // Malformed escapes and bytes that are not UTF-8: both refuse them.
        "%", "%4", "%G1", "%1G", "a%zz", "%C3", "%C3%28", "%FF", "%ED%A0%80", "%00",
    ])
    func decodesAsFoundationDoes(segment: String) {
        #expect(PercentDecoding.decode(Substring(segment)) == segment.removingPercentEncoding)
    }

    @Test func aLoneByteDecodesWhenASCIIAndIsRefusedOtherwise() {
        for byte in UInt8.min...UInt8.max {
            let decoded = PercentDecoding.decode(Substring(String(format: "x%%%02X", byte)))
            #expect(decoded == (byte < 0x80 ? "x" + String(UnicodeScalar(byte)) : nil), "byte \(byte)")
        }
    }
}

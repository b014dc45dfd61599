import Foundation
import ProfileCore
import Testing

/// The erasure subject is HMAC-SHA256 of the user id: checked against RFC 4231's vector, and keyed.
@Suite("Erasure key")
struct ErasureKeyTests {
    @Test func aSubjectIsHMACSHA256OfTheUserIDAsRFC4231Computes() {
        // RFC 4231, test case 6: a key longer than SHA-256's block.
        let key = ErasureKey(bytes: Data(repeating: 0xaa, count: 131))
        #expect(
            key.subject(of: "Test Using Larger Than Block-Size Key - Hash Key First").hex
                == "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54")
    }

    @Test func subjectsAndFingerprintsDependOnTheKey() {
        let one = ErasureKey(bytes: Data(repeating: 1, count: 32))
        let other = ErasureKey(bytes: Data(repeating: 2, count: 32))
        #expect(one.subject(of: "42") == one.subject(of: "42"), "the same id, the same subject: how a later event is recognised")
        #expect(one.subject(of: "42") != one.subject(of: "43"))
        #expect(one.subject(of: "42") != other.subject(of: "42"))
        #expect(one.fingerprint != other.fingerprint)
        #expect(!one.fingerprint.isEmpty && one.fingerprint != one.bytes)
        #expect(ErasureKey.generate().bytes != ErasureKey.generate().bytes)
        #expect(!ErasureKey.isLongEnough(Data(repeating: 1, count: 31)))
    }
}

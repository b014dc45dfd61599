import Foundation
import ProfileCore
import Testing

/// The hand-written UUID text and random UUIDs against Foundation's.
@Suite("UUID text", .timeLimit(.minutes(1)))
struct UUIDTextTests {
    @Test func lowercasedTextIsFoundationsStringLowercased() {
        let fixed = [
            UUID(uuidString: "00000000-0000-0000-0000-000000000000")!, UUID(uuidString: "FFFFFFFF-FFFF-FFFF-FFFF-FFFFFFFFFFFF")!,
            UUID(uuidString: "0B9E4C1A-7D2F-4E63-8A5B-1F0C3D2E4A77")!,
        ]
        for uuid in fixed + (0..<1_000).map({ _ in UUID() }) {
            #expect(uuid.lowercasedText == uuid.uuidString.lowercased())
        }
    }

    @Test func randomUUIDsAreVersion4OfTheRFCVariantAndDistinct() {
        let drawn = (0..<10_000).map { _ in UUID.random() }
        #expect(Set(drawn).count == drawn.count)
        for uuid in drawn {
            #expect(uuid.uuid.6 >> 4 == 4)
            #expect(uuid.uuid.8 >> 6 == 0b10)
            #expect(UUID(uuidString: uuid.lowercasedText) == uuid)
        }
        // Every other bit is drawn: over 10,000 UUIDs each of them is seen both set and clear.
        let set = drawn.reduce(into: [UInt8](repeating: 0, count: 16)) { seen, uuid in
            withUnsafeBytes(of: uuid.uuid) { for index in 0..<16 { seen[index] |= $0[index] } }
        }
        let clear = drawn.reduce(into: [UInt8](repeating: 0, count: 16)) { seen, uuid in
            withUnsafeBytes(of: uuid.uuid) { for index in 0..<16 { seen[index] |= ~$0[index] } }
        }
        #expect(set == [UInt8](repeating: 0xFF, count: 6) + [0x4F, 0xFF, 0xBF] + [UInt8](repeating: 0xFF, count: 7))
        #expect(clear == [UInt8](repeating: 0xFF, count: 6) + [0xBF, 0xFF, 0x7F] + [UInt8](repeating: 0xFF, count: 7))
    }
}

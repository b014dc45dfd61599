import Foundation

/// Reading UUIDs from text on the hot path.
enum UUIDText {
    /// The UUID in `text`, as `UUID(uuidString:)` reads it.
    ///
    /// The canonical form (8-4-4-4-12 hex digits, either case) is parsed here directly; Foundation's
    /// parser goes through `sscanf` and cost more than the rest of decoding an event. Anything else goes to
    /// Foundation, so what is accepted does not change.
    static func parse(_ text: String) -> UUID? {
        var text = text
        return text.withUTF8 { bytes in canonical(bytes) } ?? UUID(uuidString: text)
    }

    private static func canonical(_ bytes: UnsafeBufferPointer<UInt8>) -> UUID? {
        guard bytes.count == 36, bytes[8] == 0x2D, bytes[13] == 0x2D, bytes[18] == 0x2D, bytes[23] == 0x2D else { return nil }
        var uuid: uuid_t = (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        let ok = withUnsafeMutableBytes(of: &uuid) { output -> Bool in
            var position = 0
            for index in 0..<16 {
                if position == 8 || position == 13 || position == 18 || position == 23 { position += 1 }
                guard let high = nibble(bytes[position]), let low = nibble(bytes[position + 1]) else { return false }
                output[index] = high << 4 | low
                position += 2
            }
            return true
        }
        return ok ? UUID(uuid: uuid) : nil
    }

    private static func nibble(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}

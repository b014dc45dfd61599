import Foundation

/// UUIDs from and to text on the hot path.
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
                guard let high = HexDigit.value(bytes[position]), let low = HexDigit.value(bytes[position + 1]) else { return false }
                output[index] = high << 4 | low
                position += 2
            }
            return true
        }
        return ok ? UUID(uuid: uuid) : nil
    }
}

extension UUID {
    /// The canonical text in lowercase (`uuidString.lowercased()`, without building the uppercase string first).
    public var lowercasedText: String {
        withUnsafeBytes(of: uuid) { bytes in
            String(unsafeUninitializedCapacity: 36) { text in
                var position = 0
                for (index, byte) in bytes.enumerated() {
                    if index == 4 || index == 6 || index == 8 || index == 10 {
                        text[position] = UInt8(ascii: "-")
                        position += 1
                    }
                    text[position] = HexDigit.lowercase(byte >> 4)
                    text[position + 1] = HexDigit.lowercase(byte & 0x0F)
                    position += 2
                }
                return position
            }
        }
    }

    /// A random (version 4) UUID drawn from the system's generator (`getrandom`), as `UUID()` makes one but without
    /// opening `/dev/urandom` for each.
    public static func random() -> UUID {
        var generator = SystemRandomNumberGenerator()
        var uuid: uuid_t = (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        withUnsafeMutableBytes(of: &uuid) { bytes in
            bytes.storeBytes(of: generator.next() as UInt64, toByteOffset: 0, as: UInt64.self)
            bytes.storeBytes(of: generator.next() as UInt64, toByteOffset: 8, as: UInt64.self)
            bytes[6] = bytes[6] & 0x0F | 0x40  // version 4
            bytes[8] = bytes[8] & 0x3F | 0x80  // RFC 4122 variant
        }
        return UUID(uuid: uuid)
    }
}

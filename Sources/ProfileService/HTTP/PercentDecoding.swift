import ProfileCore

/// Percent-decoding of a URL path segment (RFC 3986 §2.1), over its UTF-8 bytes: what Foundation's
/// `removingPercentEncoding` does, without its detour through an `NSString` on every lookup.
enum PercentDecoding {
    /// `segment` with each `%XX` replaced by the byte it encodes; nil when a `%` is not followed by two hexadecimal
    /// digits or the bytes decoded are not UTF-8. A segment without `%` is returned as it is.
    static func decode(_ segment: Substring) -> String? {
        guard segment.utf8.contains(UInt8(ascii: "%")) else { return String(segment) }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(segment.utf8.count)
        var iterator = segment.utf8.makeIterator()
        while let byte = iterator.next() {
            guard byte == UInt8(ascii: "%") else {
                bytes.append(byte)
                continue
            }
            guard let high = iterator.next().flatMap(HexDigit.value), let low = iterator.next().flatMap(HexDigit.value) else { return nil }
            bytes.append(high << 4 | low)
        }
        return String(validating: bytes, as: UTF8.self)
    }
}

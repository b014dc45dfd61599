import Logging

/// Minimal JSON text building, for log lines, HTTP bodies and the tools' output: strings escaped as JSON wants,
/// metadata values as JSON values (integers as numbers).
enum JSONText {
    /// Appends `value` as a JSON string (quoted, escaped) in UTF-8.
    static func appendString(_ value: String, to output: inout [UInt8]) {
        output.append(UInt8(ascii: "\""))
        var value = value
        value.withUTF8 { bytes in
            guard bytes.contains(where: needsEscape) else {
                output.append(contentsOf: bytes)
                return
            }
            for byte in bytes { appendEscaped(byte, to: &output) }
        }
        output.append(UInt8(ascii: "\""))
    }

    /// Appends `value` as a JSON string (quoted, escaped).
    static func appendString(_ value: String, to output: inout String) {
        guard value.utf8.contains(where: needsEscape) else {
            output += "\""
            output += value
            output += "\""
            return
        }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(value.utf8.count + 2)
        appendString(value, to: &bytes)
        output += String(decoding: bytes, as: UTF8.self)
    }

    /// Appends a log metadata value as JSON: integers as numbers, other values as strings, arrays and dictionaries
    /// (keys sorted) as such.
    static func appendMetadata(_ value: Logger.Metadata.Value, to output: inout [UInt8]) {
        switch value {
        case .string(let text): appendString(text, to: &output)
        case .stringConvertible(let convertible):
            if let number = integerText(convertible) {
                output.append(contentsOf: number.utf8)
            } else {
                appendString(convertible.description, to: &output)
            }
        case .array(let values):
            output.append(UInt8(ascii: "["))
            for (index, element) in values.enumerated() {
                if index > 0 { output.append(UInt8(ascii: ",")) }
                appendMetadata(element, to: &output)
            }
            output.append(UInt8(ascii: "]"))
        case .dictionary(let dictionary):
            output.append(UInt8(ascii: "{"))
            for (index, key) in dictionary.keys.sorted().enumerated() {
                if index > 0 { output.append(UInt8(ascii: ",")) }
                appendString(key, to: &output)
                output.append(UInt8(ascii: ":"))
                appendMetadata(dictionary[key]!, to: &output)
            }
            output.append(UInt8(ascii: "}"))
        }
    }

    /// The decimal text of an integer value; the common types are tried first, as a cast to `any BinaryInteger`
    /// costs far more than a cast to a concrete type.
    private static func integerText(_ value: any CustomStringConvertible & Sendable) -> String? {
        switch value {
        case let number as Int: String(number)
        case let number as Int32: String(number)
        case let number as Int64: String(number)
        case let number as any BinaryInteger: "\(number)"
        default: nil
        }
    }

    private static func needsEscape(_ byte: UInt8) -> Bool {
        byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\")
    }

    private static func appendEscaped(_ byte: UInt8, to output: inout [UInt8]) {
        switch byte {
        case UInt8(ascii: "\""): output.append(contentsOf: #"\""#.utf8)
        case UInt8(ascii: "\\"): output.append(contentsOf: #"\\"#.utf8)
        case UInt8(ascii: "\n"): output.append(contentsOf: #"\n"#.utf8)
        case UInt8(ascii: "\r"): output.append(contentsOf: #"\r"#.utf8)
        case UInt8(ascii: "\t"): output.append(contentsOf: #"\t"#.utf8)
        case ..<0x20:
            let hex = Array("0123456789abcdef".utf8)
            output.append(contentsOf: #"\u00"#.utf8)
            output.append(hex[Int(byte >> 4)])
            output.append(hex[Int(byte & 0x0F)])
        default: output.append(byte)
        }
    }
}

import ProfileCore

/// A message value made safe to print: JSON with every member whose name contains `password` (any case, at
/// any depth) replaced by `"<redacted>"`, re-serialised compactly.
///
/// A value that is not JSON is printed as text only when it does not contain `password` at all; otherwise
/// (a form-encoded body, say) it is withheld whole, since there is no structure to redact within.
public enum RedactedJSON {
    public static let placeholder = "<redacted>"

    /// What to print for `value`: `.json` text to embed as-is, or `.text` to print as a string.
    public enum Printable: Sendable, Equatable {
        case json(String)
        case text(String)
    }

    public static func printable(_ value: [UInt8]?) -> Printable {
        guard let value else { return .json("null") }
        if let document = try? JSONParser.parse(value) {
            var output = ""
            write(redacting(document), to: &output)
            return .json(output)
        }
        let text = String(decoding: value, as: UTF8.self)
        return text.lowercased().contains("password") ? .text("<withheld: not JSON and mentions a password>") : .text(text)
    }

    static func redacting(_ value: JSONValue) -> JSONValue {
        switch value {
        case .object(let members):
            .object(members.map { name, member in
                (name, name.lowercased().contains("password") ? JSONValue.string(placeholder) : redacting(member))
            })
        case .array(let elements):
            .array(elements.map(redacting))
        default:
            value
        }
    }

    static func write(_ value: JSONValue, to output: inout String) {
        switch value {
        case .null: output += "null"
        case .bool(let flag): output += flag ? "true" : "false"
        case .number(let integer?, _): output += String(integer)
        case .number(nil, let double): output += double.isFinite ? "\(double)" : "null"
        case .string(let text): JSONText.appendString(text, to: &output)
        case .array(let elements):
            output += "["
            for (index, element) in elements.enumerated() {
                if index > 0 { output += "," }
                write(element, to: &output)
            }
            output += "]"
        case .object(let members):
            output += "{"
            for (index, (name, member)) in members.enumerated() {
                if index > 0 { output += "," }
                JSONText.appendString(name, to: &output)
                output += ":"
                write(member, to: &output)
            }
            output += "}"
        }
    }
}

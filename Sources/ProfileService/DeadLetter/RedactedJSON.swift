import ProfileCore

/// A message value made safe to print: JSON with every member whose name contains `password` (any case, at
/// any depth) replaced by `"<redacted>"`, and, unless PII is asked for, every email address in a string
/// replaced by `<redacted email>`; re-serialised compactly.
///
/// A value that is not JSON is printed as text only when it does not contain `password` at all; otherwise
/// (a form-encoded body, say) it is withheld whole, since there is no structure to redact within. Email
/// addresses in such text are redacted the same way.
public enum RedactedJSON {
    public static let placeholder = "<redacted>"
    public static let emailPlaceholder = "<redacted email>"

    /// What to print for `value`: `.json` text to embed as-is, or `.text` to print as a string.
    public enum Printable: Sendable, Equatable {
        case json(String)
        case text(String)
    }

    /// - Parameter showingPII: print email addresses as they are (`dlq list --show-pii`); passwords stay redacted.
    public static func printable(_ value: [UInt8]?, showingPII: Bool = false) -> Printable {
        guard let value else { return .json("null") }
        if let document = try? JSONParser.parse(value) {
            var output = ""
            write(redacting(document, showingPII: showingPII), to: &output)
            return .json(output)
        }
        let text = String(decoding: value, as: UTF8.self)
        guard !text.lowercased().contains("password") else { return .text("<withheld: not JSON and mentions a password>") }
        return .text(showingPII ? text : withoutEmailAddresses(text))
    }

    static func redacting(_ value: JSONValue, showingPII: Bool) -> JSONValue {
        switch value {
        case .object(let members):
            .object(
                members.map { name, member in
                    (
                        name,
                        name.lowercased().contains("password") ? JSONValue.string(placeholder) : redacting(member, showingPII: showingPII)
                    )
                })
        case .array(let elements):
            .array(elements.map { redacting($0, showingPII: showingPII) })
        case .string(let text) where !showingPII:
            .string(withoutEmailAddresses(text))
        default:
            value
        }
    }

    /// `text` with each `local@domain` (as the decoder accepts them: anything but spaces, quotes, brackets and
    /// separators on both sides of one `@`) replaced by ``emailPlaceholder``.
    static func withoutEmailAddresses(_ text: String) -> String {
        guard text.contains("@") else { return text }
        let address = try! Regex(#"[^\s@"'<>()\[\],;:]+@[^\s@"'<>()\[\],;:]+"#)
        return text.replacing(address, with: emailPlaceholder)
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

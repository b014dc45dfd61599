import Foundation

/// A `KEY=VALUE` file, read by docker-compose's `env_file` rules, so one file serves both:
///
/// - lines end with LF or CRLF; blank lines and lines starting with `#` are skipped;
/// - `KEY=VAL` → `VAL`; `KEY=` → the empty string; a bare `KEY` sets nothing (compose takes it from the
///   environment, which wins here anyway);
/// - unquoted: a comment starts at a `#` preceded by a space (`VAL # note` → `VAL`, `VAL#1` → `VAL#1`),
///   surrounding spaces are dropped and backslashes are literal;
/// - `"double quoted"`: `\n`, `\r`, `\t`, `\\` and `\"` are escapes; a comment may follow the closing quote;
/// - `'single quoted'`: literal, except `\'` for a quote; a comment may follow the closing quote.
///
/// Compose's `${VAR}` interpolation is not performed: a `$` is an ordinary character.
enum EnvironmentFile {
    static func read(path: String, required: Bool) throws(ConfigurationError) -> [String: String] {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            if required || FileManager.default.fileExists(atPath: path) {
                throw ConfigurationError(setting: "--config", reason: "cannot read '\(path)'")
            }
            return [:]
        }
        do {
            return try parse(text)
        } catch {
            throw ConfigurationError(setting: "--config", reason: "\(path):\(error.line): \(error.reason)")
        }
    }

    /// A line that does not follow the rules, by its number (from 1).
    struct LineError: Error {
        var line: Int
        var reason: String
    }

    static func parse(_ text: String) throws(LineError) -> [String: String] {
        var settings: [String: String] = [:]
        // CRLF is one Character in Swift, not a "\r" before a "\n": split on both.
        let lines = text.split(omittingEmptySubsequences: false) { $0 == "\n" || $0 == "\r\n" }
        for (index, rawLine) in lines.enumerated() {
            let line = rawLine.drop { $0 == " " || $0 == "\t" }
            if line.isEmpty || line.hasPrefix("#") { continue }
            guard let equals = line.firstIndex(of: "=") else {
                guard isName(line.trimmingCharacters(in: .whitespaces)[...]) else {
                    throw LineError(line: index + 1, reason: "expected KEY=VALUE")
                }
                continue
            }
            let key = line[..<equals].trimmingCharacters(in: .whitespaces)
            guard isName(key[...]) else { throw LineError(line: index + 1, reason: "'\(key)' is not a variable name") }
            do {
                settings[key] = try value(line[line.index(after: equals)...])
            } catch {
                throw LineError(line: index + 1, reason: "\(key): \(error.reason)")
            }
        }
        return settings
    }

    /// What a value's text means, after the `=`.
    private static func value(_ text: Substring) throws(LineError) -> String {
        let text = text.drop { $0 == " " || $0 == "\t" }
        guard let quote = text.first, quote == "\"" || quote == "'" else { return unquoted(text) }
        var result = ""
        var index = text.index(after: text.startIndex)
        while index < text.endIndex {
            let character = text[index]
            if character == quote {
                let rest = text[text.index(after: index)...].drop { $0 == " " || $0 == "\t" }
                guard rest.isEmpty || rest.hasPrefix("#") else {
                    throw LineError(line: 0, reason: "text after the closing quote (a comment needs a #)")
                }
                return result
            }
            if character == "\\", text.index(after: index) < text.endIndex {
                let next = text[text.index(after: index)]
                if let escaped = escape(next, in: quote) {
                    result.append(escaped)
                    index = text.index(index, offsetBy: 2)
                    continue
                }
            }
            result.append(character)
            index = text.index(after: index)
        }
        throw LineError(line: 0, reason: "no closing \(quote)")
    }

    /// `VAL # comment` → `VAL`; a `#` not preceded by a space or tab is part of the value.
    private static func unquoted(_ text: Substring) -> String {
        var end = text.endIndex
        var previous: Character?
        for index in text.indices {
            if text[index] == "#", previous == " " || previous == "\t" {
                end = index
                break
            }
            previous = text[index]
        }
        return text[..<end].trimmingCharacters(in: .whitespaces)
    }

    /// What `\next` stands for inside `quote`s, or nil when the backslash is literal.
    private static func escape(_ next: Character, in quote: Character) -> Character? {
        if next == quote { return quote }
        guard quote == "\"" else { return nil }
        switch next {
        case "n": return "\n"
        case "r": return "\r"
        case "t": return "\t"
        case "\\": return "\\"
        default: return nil
        }
    }

    /// A variable name: letters, digits and `_`, not starting with a digit.
    private static func isName(_ text: Substring) -> Bool {
        guard let first = text.first, !first.isNumber else { return false }
        return text.allSatisfy { $0 == "_" || ($0.isASCII && ($0.isLetter || $0.isNumber)) }
    }
}

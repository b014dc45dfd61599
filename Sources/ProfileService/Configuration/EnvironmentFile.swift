import Foundation

/// A `KEY=VALUE` file, as docker-compose's `env_file` reads it: one setting a line, `#` comments, blank
/// lines ignored, optional matching quotes around the value.
enum EnvironmentFile {
    static func read(path: String, required: Bool) throws(ConfigurationError) -> [String: String] {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            if required || FileManager.default.fileExists(atPath: path) {
                throw ConfigurationError(setting: "--config", reason: "cannot read '\(path)'")
            }
            return [:]
        }
        var settings: [String: String] = [:]
        for (number, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = rawLine.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") { continue }
            guard let equals = line.firstIndex(of: "=") else {
                throw ConfigurationError(setting: "--config", reason: "\(path):\(number + 1): expected KEY=VALUE")
            }
            let key = line[..<equals].trimmingCharacters(in: .whitespaces)
            var value = line[line.index(after: equals)...].trimmingCharacters(in: .whitespaces)
            if value.count >= 2, let first = value.first, first == value.last, first == "\"" || first == "'" {
                value = String(value.dropFirst().dropLast())
            }
            settings[key] = value
        }
        return settings
    }
}

/// The tables of a Markdown document, as the docs write them: `| a | b |` rows under a `## Section` heading.
enum MarkdownTable {
    /// The names in the first column of every table row under the `## section` heading (until the next `## `), each
    /// the first backticked word of its cell (`` `HTTP_PORT` `` → `HTTP_PORT`; `` `KAFKA_PROP_<NAME>` `` →
    /// `KAFKA_PROP_<NAME>`). Header and separator rows, having no backticks, are left out.
    static func firstColumn(ofSection section: String, in document: String) -> [String] {
        var inSection = false
        var names: [String] = []
        for line in document.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix("## ") {
                inSection = line.dropFirst(3).trimmingCharacters(in: .whitespaces) == section
                continue
            }
            guard inSection, line.hasPrefix("|") else { continue }
            let cell = line.dropFirst().prefix { $0 != "|" }
            guard let name = cell.firstMatch(of: /`([^`]+)`/) else { continue }
            names.append(String(name.1))
        }
        return names
    }
}

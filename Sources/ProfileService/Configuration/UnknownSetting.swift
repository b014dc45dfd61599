/// Names given to the loader that are no ``Setting`` and no `KAFKA_PROP_*`: typos, or another program's.
enum UnknownSetting {
    /// One warning per name of `given` that is not a setting, with the closest setting's name.
    /// - Parameters:
    ///   - inFile: the names that came from the configuration file at `file` (the others, from the environment).
    static func warnings(for given: Set<String>, file: String, inFile: Set<String>) -> [ConfigurationWarning] {
        let known = Set(Setting.allCases.map(\.rawValue))
        return given.subtracting(known).filter { !$0.hasPrefix(KafkaSettings.propertyPrefix) }.sorted().map { name in
            let origin = inFile.contains(name) ? "in \(file)" : "in the environment"
            let hint = closest(to: name, among: known).map { "; did you mean \($0)?" } ?? ""
            return ConfigurationWarning(setting: name, message: "\(origin) is not a profile-svc setting and is ignored\(hint)")
        }
    }

    /// The known name with the fewest edits from `name` (ties: the first in order).
    static func closest(to name: String, among known: Set<String>) -> String? {
        known.sorted().min { editDistance(name, $0) < editDistance(name, $1) }
    }

    /// Levenshtein distance: insertions, deletions and substitutions of characters.
    static func editDistance(_ a: String, _ b: String) -> Int {
        let (a, b) = (Array(a), Array(b))
        var previous = Array(0...b.count)
        for (i, characterA) in a.enumerated() {
            var current = [i + 1] + Array(repeating: 0, count: b.count)
            for (j, characterB) in b.enumerated() {
                current[j + 1] = min(previous[j + 1] + 1, current[j] + 1, previous[j] + (characterA == characterB ? 0 : 1))
            }
            previous = current
        }
        return previous[b.count]
    }
}

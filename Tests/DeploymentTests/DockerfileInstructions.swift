/// A Dockerfile read as instructions: continuation lines joined, comments and blank lines dropped.
struct DockerfileInstructions {
    struct Instruction {
        /// The keyword, upper-cased (`FROM`, `RUN`, ...).
        var keyword: String
        var arguments: String
    }

    /// One build stage: its `FROM` line and the instructions after it.
    struct Stage {
        var from: String
        var instructions: [Instruction]

        func all(_ keyword: String) -> [String] {
            instructions.filter { $0.keyword == keyword }.map(\.arguments)
        }

        /// The packages of every `apt-get install` in this stage's `RUN`s.
        var aptPackages: Set<String> {
            var packages: Set<String> = []
            for run in all("RUN") {
                for command in run.split(separator: "&&") {
                    let words = command.split(whereSeparator: \.isWhitespace).map(String.init)
                    guard let install = words.firstIndex(of: "install"), words[..<install].contains("apt-get") else { continue }
                    packages.formUnion(words[(install + 1)...].filter { !$0.hasPrefix("-") })
                }
            }
            return packages
        }
    }

    /// Instructions before the first `FROM` (global `ARG`s).
    var preamble: [Instruction] = []
    var stages: [Stage] = []

    init(_ text: String) {
        var logical: [String] = []
        var pending = ""
        for rawLine in text.split(separator: "\n", omittingEmptySubsequences: false) {
            let line = rawLine.trimmingCharacters(in: .whitespaces)
            if line.hasPrefix("#") || (line.isEmpty && pending.isEmpty) { continue }
            if line.hasSuffix("\\") {
                pending += line.dropLast() + " "
            } else {
                logical.append(pending + line)
                pending = ""
            }
        }
        for line in logical where !line.isEmpty {
            let keyword = String(line.prefix { !$0.isWhitespace }).uppercased()
            let arguments = line.dropFirst(keyword.count).trimmingCharacters(in: .whitespaces)
            let instruction = Instruction(keyword: keyword, arguments: arguments)
            if keyword == "FROM" {
                stages.append(Stage(from: arguments, instructions: []))
            } else if stages.isEmpty {
                preamble.append(instruction)
            } else {
                stages[stages.count - 1].instructions.append(instruction)
            }
        }
    }
}

import Foundation

/// The names of this process's threads as Linux keeps them (`/proc/self/task/*/comm`, at most 15 bytes each), as
/// `top -H` and `perf` show them; empty where there is no `/proc`.
public func currentThreadNames() -> [String] {
    let tasks = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/task")) ?? []
    return tasks.compactMap { task in
        (try? String(contentsOfFile: "/proc/self/task/\(task)/comm", encoding: .utf8))?.trimmingCharacters(in: .newlines)
    }
}

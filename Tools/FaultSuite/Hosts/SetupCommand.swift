import Foundation
import TestSupport

/// Runs a command that builds the lab (`ip`, `initdb`, `chown`) to its end; throws a ``SuiteError`` with its output when
/// it fails.
func runSetupCommand(_ executable: URL, _ arguments: [String]) throws {
    let (status, output) = try ChildProcess.run(executable, arguments)
    guard status == 0 else {
        throw SuiteError("\(executable.lastPathComponent) \(arguments.joined(separator: " ")) failed: \(output)")
    }
}

/// Waits for a condition by re-checking it, failing after `timeout`.
public func eventually(
    timeout: Duration = .seconds(30), _ description: String = "condition",
    _ condition: () async throws -> Bool
) async throws {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if try await condition() { return }
        try await Task.sleep(for: .milliseconds(50))
    }
    throw TimedOut(description: "timed out waiting for \(description)")
}

/// A wait that ran out of time, saying what it waited for.
public struct TimedOut: Error, CustomStringConvertible {
    public let description: String

    public init(description: String) {
        self.description = description
    }
}

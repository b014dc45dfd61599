import Foundation

/// Where a test starts a server: an IPv4 address it listens on, and how a command line is run on the host that has
/// that address (as it is, on this process's own network; through `ip netns exec` on a host of a network namespace).
public struct ServerHost: Sendable {
    public var address: String
    /// Turns a command line into the one that runs it on this host.
    public var command: @Sendable (URL, [String]) -> (URL, [String])

    public init(address: String, command: @escaping @Sendable (URL, [String]) -> (URL, [String])) {
        self.address = address
        self.command = command
    }

    /// This process's own network, on 127.0.0.1.
    public static let local = ServerHost(address: "127.0.0.1") { ($0, $1) }
}

import Foundation
import TestSupport

/// Hosts with addresses of their own on a network of their own, made of Linux network namespaces, and the faults
/// of that network: a link between two hosts cut (both ways, silently: packets dropped, no error, as a partition or
/// a dead switch port does), a host cut from all the others, and the heal.
///
/// The network is a router namespace with one veth pair to each host namespace: host `i` is 10.231.`i`.2/24, its
/// gateway the router's 10.231.`i`.1. A cut is a pair of `blackhole` policy rules in the router (`ip rule add from A
/// to B blackhole`), so it is silent for both ends and leaves every other path as it was. Everything lives in
/// namespaces the lab creates, named `<name>-<host>`; nothing is added to the machine's own namespace, and
/// ``tearDown()`` kills what runs in them and deletes them. Needs root (CAP_NET_ADMIN and CAP_SYS_ADMIN).
struct NetworkLab: Sendable {
    /// One host of the lab.
    struct Host: Sendable, Hashable, CustomStringConvertible {
        let name: String
        let namespace: String
        let address: String
        var description: String { "\(name) (\(address))" }
    }

    /// The lab's name, the prefix of its namespaces.
    let name: String
    let hosts: [Host]
    private var router: String { "\(name)-net" }

    /// The lab named `name` with `hosts`, as ``create(name:hosts:)`` made it (for a process running inside it).
    init(name: String, hosts names: [String]) {
        self.name = name
        hosts = names.enumerated().map { index, host in
            Host(name: host, namespace: "\(name)-\(host)", address: "10.231.\(index + 1).2")
        }
    }

    /// The host called `name`.
    func host(_ name: String) -> Host {
        guard let host = hosts.first(where: { $0.name == name }) else { preconditionFailure("no host \(name) in the lab") }
        return host
    }

    /// Creates the namespaces, links and routes. On failure, removes what it made and throws.
    static func create(name: String, hosts: [String]) throws -> NetworkLab {
        let lab = NetworkLab(name: name, hosts: hosts)
        do {
            try lab.build()
        } catch {
            lab.tearDown()
            throw error
        }
        return lab
    }

    private func build() throws {
        try ip("netns", "add", router)
        try ip("-n", router, "link", "set", "lo", "up")
        try run(on: router, "sysctl", "-q", "-w", "net.ipv4.ip_forward=1")
        for (index, host) in hosts.enumerated() {
            let link = "h\(index + 1)"
            let gateway = "10.231.\(index + 1).1"
            try ip("netns", "add", host.namespace)
            try ip("link", "add", link, "netns", router, "type", "veth", "peer", "name", "eth0", "netns", host.namespace)
            try ip("-n", router, "addr", "add", "\(gateway)/24", "dev", link)
            try ip("-n", router, "link", "set", link, "up")
            try ip("-n", host.namespace, "addr", "add", "\(host.address)/24", "dev", "eth0")
            try ip("-n", host.namespace, "link", "set", "eth0", "up")
            try ip("-n", host.namespace, "link", "set", "lo", "up")
            try ip("-n", host.namespace, "route", "add", "default", "via", gateway)
        }
    }

    /// Kills every process in the lab's namespaces and deletes them; errors are ignored (a half-built lab too).
    func tearDown() {
        for namespace in hosts.map(\.namespace) + [router] {
            if let (_, pids) = try? ChildProcess.run(Self.ip, ["netns", "pids", namespace]) {
                for pid in pids.split(separator: "\n").compactMap({ Int32($0) }) { kill(pid, SIGKILL) }
            }
            _ = try? ChildProcess.run(Self.ip, ["netns", "del", namespace])
        }
    }

    /// Cuts every link between `host` and `others`, both ways.
    func cut(_ host: Host, from others: [Host]) throws {
        for other in others { try rules("add", between: host, and: other) }
    }

    /// Heals the links ``cut(_:from:)`` cut.
    func heal(_ host: Host, from others: [Host]) throws {
        for other in others { try rules("del", between: host, and: other) }
    }

    private func rules(_ verb: String, between host: Host, and other: Host) throws {
        try ip("-n", router, "rule", verb, "from", host.address, "to", other.address, "blackhole")
        try ip("-n", router, "rule", verb, "from", other.address, "to", host.address, "blackhole")
    }

    /// `host` as a place to start programs: its address, and command lines run there through `ip netns exec` (which
    /// execs the program: the process started is the program itself, so signals reach it).
    func server(_ host: Host) -> ServerHost {
        ServerHost(address: host.address) { executable, arguments in
            (Self.ip, ["netns", "exec", host.namespace, executable.path] + arguments)
        }
    }

    private func run(on namespace: String, _ arguments: String...) throws {
        try runSetupCommand(Self.ip, ["netns", "exec", namespace] + arguments)
    }

    private func ip(_ arguments: String...) throws {
        try runSetupCommand(Self.ip, arguments)
    }

    static let ip = URL(fileURLWithPath: "/usr/sbin/ip")
}

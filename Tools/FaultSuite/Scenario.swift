import ArgumentParser

/// The scenarios, in the order a full run takes them.
enum Scenario: String, CaseIterable, ExpressibleByArgument, Sendable {
    case crash
    case crashTansu = "crash-tansu"
    case crashStatic = "crash-static"
    case erasure
    case brokerOutage = "broker-outage"
    case requestErrors = "request-errors"
    case rebalance
    case rollingRestart = "rolling-restart"
    case rollingRestartStatic = "rolling-restart-static"
    case database
    case longDatabaseOutage = "long-database-outage"
    case longDeadLetterOutage = "long-dlq-outage"
    case replicasPostgres = "replicas-postgres"
    case memory
    case badInput = "bad-input"
    case networkFaults = "network-faults"
    case slowLinkZombie = "slow-link-zombie"

    /// Whether the scenario runs on hosts of a network of its own (``NetworkLab``), as `--hosts` does.
    var needsLab: Bool { self == .networkFaults || self == .slowLinkZombie }

    /// Runs the scenario; a scenario that throws is reported as failed with the error.
    func run(in suite: SuiteContext) async -> ScenarioResult {
        do {
            switch self {
            case .crash: return try await CrashScenario(suite: suite, broker: .mock, membership: .dynamic).run()
            case .crashTansu: return try await CrashScenario(suite: suite, broker: .tansu, membership: .dynamic).run()
            case .crashStatic: return try await CrashScenario(suite: suite, broker: .tansu, membership: .static).run()
            case .erasure: return try await ErasureScenario(suite: suite).run()
            case .brokerOutage: return try await BrokerOutageScenario(suite: suite).run()
            case .requestErrors: return try await RequestErrorScenario(suite: suite).run()
            case .rebalance: return try await RebalanceScenario(suite: suite).run()
            case .rollingRestart: return try await RollingRestartScenario(suite: suite, membership: .dynamic).run()
            case .rollingRestartStatic: return try await RollingRestartScenario(suite: suite, membership: .static).run()
            case .database: return try await DatabaseScenario(suite: suite).run()
            case .longDatabaseOutage: return try await LongOutageScenario(suite: suite, outage: .database).run()
            case .longDeadLetterOutage: return try await LongOutageScenario(suite: suite, outage: .deadLetterTopic).run()
            case .replicasPostgres: return try await ReplicaScenario(suite: suite).run()
            case .memory: return try await MemoryScenario(suite: suite).run()
            case .badInput: return try await BadInputScenario(suite: suite).run()
            case .networkFaults: return try await NetworkFaultsScenario(suite: suite, cluster: try await suite.labCluster()).run()
            case .slowLinkZombie: return try await SlowLinkZombieScenario(suite: suite, cluster: try await suite.labCluster()).run()
            }
        } catch {
            var result = ScenarioResult(name: rawValue)
            result.fail("scenario aborted: \(error)")
            return result
        }
    }
}

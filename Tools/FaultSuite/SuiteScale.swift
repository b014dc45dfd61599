/// How big each scenario is: the full run proves the claims at the sizes the issue asks for; the quick run
/// checks the same things at small sizes.
struct SuiteScale: Sendable {
    var crashEvents: Int
    var crashKills: Int
    /// Events drained while users are erased, kills of the daemon (each round erases `erasuresPerRound` users).
    var erasureEvents: Int
    var erasureRounds: Int
    var erasuresPerRound: Int
    var outageEvents: Int
    var outageDuration: Duration
    var requestErrorEvents: Int
    var rebalanceEvents: Int
    var databaseEvents: Int
    var databaseLock: Duration
    /// Events around an outage of 3x `max.poll.interval.ms` (the outage lasts 30 s at either scale).
    var longOutageEvents: Int
    /// Events through the PostgreSQL replicas, and how many times one of them is killed.
    var replicaEvents: Int
    var replicaKills: Int
    var memoryBacklog: Int
    var memoryOutage: Duration
    var fuzzMessages: Int
    /// The multi-host scenarios' backlog, and how long each cut of the network lasts.
    var networkBacklog: Int
    var networkCut: Duration
    /// The largest high-water mark of the daemon's memory accepted, in MiB.
    var memoryLimitMiB: Int

    static let full = SuiteScale(
        crashEvents: 100_000, crashKills: 20, erasureEvents: 100_000, erasureRounds: 6, erasuresPerRound: 25, outageEvents: 60_000,
        outageDuration: .seconds(20),
        requestErrorEvents: 20_000, rebalanceEvents: 60_000, databaseEvents: 30_000, databaseLock: .seconds(12),
        longOutageEvents: 20_000, replicaEvents: 100_000, replicaKills: 12,
        memoryBacklog: 1_000_000, memoryOutage: .seconds(15), fuzzMessages: 5_000,
        networkBacklog: 60_000, networkCut: .seconds(20), memoryLimitMiB: 512)

    static let quick = SuiteScale(
        crashEvents: 6_000, crashKills: 3, erasureEvents: 6_000, erasureRounds: 3, erasuresPerRound: 10, outageEvents: 6_000,
        outageDuration: .seconds(10),
        requestErrorEvents: 3_000, rebalanceEvents: 6_000, databaseEvents: 4_000, databaseLock: .seconds(7),
        longOutageEvents: 4_000, replicaEvents: 10_000, replicaKills: 10,
        memoryBacklog: 30_000, memoryOutage: .seconds(10), fuzzMessages: 500,
        networkBacklog: 6_000, networkCut: .seconds(8), memoryLimitMiB: 512)
}

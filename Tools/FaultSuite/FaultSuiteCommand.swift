import ArgumentParser
import Foundation

/// `FaultSuite`: runs profile-svc's fault scenarios against the built `profile-svc` binary and prints a
/// table of what was produced, stored and dead-lettered, and what was lost or applied twice.
///
/// Build both executables first (`swift build --scratch-path .build-faults`); `swift run` does it.
@main
struct FaultSuiteCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "FaultSuite",
        abstract: "Crash, outage, request-error, rebalance, rolling-restart, database, memory and bad-input scenarios against profile-svc.",
        discussion: """
            Hosts librdkafka's mock cluster in this process, starts Tansu for the scenarios of static group \
            membership (which the mock does not implement), and runs the `profile-svc` binary found next to this \
            executable as child processes (`profile-svc run`). Each scenario uses its own topics, group and \
            database file; at the end it reads the SQLite file and the DLQ topic and compares them with what it \
            produced. Exits 1 when any scenario fails.
            """
    )

    @Flag(help: "A short run (small counts, few kills): about two minutes.")
    var quick = false

    @Option(
        name: .customLong("only"),
        help: "Run only these scenarios (repeatable): \(Scenario.allCases.map(\.rawValue).joined(separator: ", ")).")
    var only: [Scenario] = []

    @Option(help: "Seed for the random choices (event mix, kill moments), to repeat a run.")
    var seed: UInt64 = UInt64.random(in: 1...UInt64(UInt32.max))

    @Flag(
        help: """
            Run the multi-host scenarios instead (network-faults, slow-link-zombie): each part of the deployment on a \
            host of its own, made of network namespaces the run creates and deletes (needs root).
            """)
    var hosts = false

    /// Set on the run inside the lab: the lab's name.
    @Option(help: .hidden) var lab: String?

    func run() async throws {
        let scenarios = only.isEmpty ? Scenario.allCases.filter { $0.needsLab == hosts } : only
        if scenarios.contains(where: \.needsLab), lab == nil {
            // Inside a lab of its own: this same command, run again on the lab's operator host.
            let status = try LabSession.run(arguments: Array(CommandLine.arguments.dropFirst()) + ["--seed", String(seed)])
            if status != 0 { throw ExitCode(status) }
            return
        }
        let scale = quick ? SuiteScale.quick : SuiteScale.full
        let suite = try SuiteContext(scale: scale, seed: seed, labName: lab)
        say("fault suite: \(quick ? "quick" : "full") run, seed \(seed), daemon \(suite.binary.path), work dir \(suite.workDirectory.path)")
        var results: [ScenarioResult] = []
        for scenario in scenarios {
            let started = ContinuousClock.now
            say("\n== \(scenario.rawValue)")
            let result = await scenario.run(in: suite)
            suite.stopAllDaemons()
            say(result.summaryLine(elapsed: ContinuousClock.now - started))
            results.append(result)
        }
        await suite.stopTansu()
        await suite.stopLab()
        say("\n" + ResultTable.render(results))
        if results.contains(where: { !$0.passed }) { throw ExitCode(1) }
    }
}

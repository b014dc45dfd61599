import ArgumentParser
import Foundation
import ProfileCore
import ProfileService

/// `profile-svc offsets reset`: moves the stored and the committed offsets together, as kafka-consumer-groups
/// `--reset-offsets` moves the committed ones.
struct OffsetsResetCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reset",
        abstract: "Move the stored and the committed offsets of a topic's partitions together.",
        discussion: """
            Give --topic (and --partition for one of its partitions) and one target. The new offsets stay \
            within each partition's watermarks. Refuses while group KAFKA_GROUP_ID has active members (stop \
            every daemon of the group first), as kafka-consumer-groups does. Prints each partition's \
            offset before → after; --dry-run prints the same and changes nothing.
            """
    )

    @OptionGroup var options: CommonOptions

    @Option(help: "The topic whose partitions move.")
    var topic: String

    @Option(help: "Only this partition of the topic.")
    var partition: Int32?

    @Flag(help: "To each partition's first offset.") var toEarliest = false
    @Flag(help: "To each partition's end (skip everything not yet read).") var toLatest = false
    @Option(help: "To this offset.") var toOffset: Int64?
    @Option(help: "To the first message at or after this RFC 3339 time (2026-12-01T10:00:00Z).") var toDatetime: String?
    @Option(help: "Forward (positive) or back (negative) by this many messages from where the worker would start.")
    var shiftBy: Int64?

    @Flag(help: "Print the moves without making them.") var dryRun = false
    @Flag(help: "Reset even though the cluster cannot tell whether the group has members (you stopped them all).")
    var force = false

    func validate() throws {
        let targets = [toEarliest, toLatest, toOffset != nil, toDatetime != nil, shiftBy != nil].filter { $0 }.count
        guard targets == 1 else {
            throw ValidationError("give exactly one of --to-earliest, --to-latest, --to-offset, --to-datetime, --shift-by")
        }
        if let toDatetime, Timestamp.parseRFC3339(toDatetime) == nil {
            throw ValidationError("--to-datetime: '\(toDatetime)' is not an RFC 3339 time")
        }
    }

    private var target: OffsetTarget {
        if toEarliest { return .earliest }
        if toLatest { return .latest }
        if let toOffset { return .offset(toOffset) }
        if let toDatetime, let milliseconds = Timestamp.parseRFC3339(toDatetime) { return .datetime(milliseconds: milliseconds) }
        return .shift(by: shiftBy ?? 0)
    }

    func run() async throws {
        try await exitingOnFailure {
            let configuration = try options.loadConfiguration()
            LoggingSetup.bootstrap(configuration, stream: .standardError)
            // A refusal (the group has members) is exit 69 with its reason, like an unreachable cluster.
            let moves = try await DeadLetterFailure.mapping {
                try await OffsetsTool.withTool(configuration) {
                    try await $0.reset(topic: topic, partition: partition, to: target, dryRun: dryRun, force: force)
                }
            }
            for move in moves {
                print("\(move.before.partition): \(move.before.next) → \(move.after)\(dryRun ? " (dry run)" : "")")
            }
            if moves.isEmpty { print("\(topic) has no partition\(partition.map { " \($0)" } ?? "") in the cluster") }
        }
    }
}

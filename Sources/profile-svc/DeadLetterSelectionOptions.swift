import ArgumentParser
import ProfileCore
import ProfileService

/// The selection and timeout flags the `dlq` commands share.
struct DeadLetterSelectionOptions: ParsableArguments {
    @Option(help: "Act on at most this many messages (copies of one original count once).")
    var limit: Int?

    @Option(
        name: .customLong("error-class"),
        help: ArgumentHelp(
            "Only messages with this dlq.error.class (repeatable).",
            discussion: "One of: \(PoisonError.ErrorClass.allCases.map(\.rawValue).joined(separator: ", "))."))
    var errorClasses: [String] = []

    @Option(help: "Only messages that failed at or after this time: RFC 3339 (2025-07-04T10:30:00Z) or an age (90s, 30m, 12h, 7d).")
    var since: String?

    @Option(name: .customLong("event-id"), help: "Only the message with this event id (repeatable).")
    var eventIDs: [String] = []

    @Option(help: "Seconds to wait for Kafka (metadata, reads, acknowledgements, retries) before giving up with exit 69.")
    var timeout: Int = 30

    func validate() throws {
        if let limit, limit < 1 { throw ValidationError("--limit must be at least 1") }
        let known = Set(PoisonError.ErrorClass.allCases.map(\.rawValue))
        if let unknown = errorClasses.first(where: { !known.contains($0) }) {
            throw ValidationError("--error-class \(unknown): not an error class; one of \(known.sorted().joined(separator: ", "))")
        }
        if let since, DeadLetterSelection.parseSince(since) == nil {
            throw ValidationError("--since \(since): expected an RFC 3339 time or an age such as 30m, 12h, 7d")
        }
        if timeout < 1 { throw ValidationError("--timeout must be at least 1 second") }
    }

    var selection: DeadLetterSelection {
        DeadLetterSelection(
            limit: limit, errorClasses: Set(errorClasses), failedSince: since.flatMap { DeadLetterSelection.parseSince($0) },
            eventIDs: Set(eventIDs))
    }

    var timeoutDuration: Duration { .seconds(timeout) }
}

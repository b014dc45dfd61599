import ArgumentParser
import Foundation
import Logging
import ProfileService

/// `profile-svc dlq list`: shows dead-lettered messages, consuming nothing.
struct DeadLetterListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "Show dead-lettered messages without consuming them (commits nothing).",
        discussion: """
            Shows the messages `dlq reprocess` has not handled yet (from its group's committed position), or \
            with --all every message still in the topic. One row per original message: copies of the same \
            original (same original topic, partition and offset) are shown once with their count. \
            --json prints one object per line: partition, offset, original_topic, original_partition, \
            original_offset, error_class, error_message, attempts, failed_at, age_seconds, event_id, \
            request_id, copies (and value with --values). Values are printed only with --values, and then \
            with every `password` field redacted, and every email address unless --show-pii is given.
            """
    )

    @OptionGroup var options: CommonOptions
    @OptionGroup var selection: DeadLetterSelectionOptions

    @Flag(help: "Every message in the topic, not only those reprocess has not handled yet.")
    var all = false

    @Flag(help: "One JSON object per line instead of a table.")
    var json = false

    @Flag(help: "Also print each message's value (password fields and email addresses redacted).")
    var values = false

    @Flag(name: .customLong("show-pii"), help: "With --values, print email addresses as they are (passwords stay redacted).")
    var showPII = false

    @Option(help: "The reprocess group whose position the list starts from (default: <KAFKA_GROUP_ID>.dlq-reprocess).")
    var group: String?

    func run() async throws {
        try await exitingOnFailure {
            let configuration = try options.loadConfiguration()
            LoggingSetup.bootstrap(configuration, stream: .standardError)
            let lister = DeadLetterLister(
                configuration: configuration, selection: selection.selection, group: group,
                timeout: selection.timeoutDuration, logger: configuration.logger("profile-svc.dlq"))
            let listing = try await DeadLetterFailure.mapping { try await lister.list(all: all) }
            if json {
                for row in listing.rows { print(DeadLetterListOutput.jsonLine(row, includeValue: values, showingPII: showPII)) }
            } else {
                print(DeadLetterListOutput.table(listing, includeValues: values, showingPII: showPII), terminator: "")
            }
        }
    }
}

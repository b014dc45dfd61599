import Logging
import ProfileCore

/// `dlq list`: what is in the DLQ, without consuming it. Reads by assignment and commits nothing.
///
/// By default it shows what `dlq reprocess` has not handled yet: from the reprocess group's committed
/// position (``DeadLetterReprocessor/defaultGroup(_:)``) to the end; with `all`, every record still in the
/// topic. Copies of the same original (same original topic, partition and offset) are one row, with their
/// count; the row shows the first copy.
public struct DeadLetterLister: Sendable {
    /// One original message.
    public struct Row: Sendable {
        /// Its first copy in the DLQ.
        public var entry: DeadLetterEntry
        /// How many DLQ records carry it.
        public var copies: Int
    }

    /// What a listing found.
    public struct Listing: Sendable {
        public var topic: String
        /// The group whose position the listing started from, `nil` with `all`.
        public var group: String?
        /// The rows selected, in DLQ order (per partition, by offset), at most the selection's limit.
        public var rows: [Row] = []
        /// Originals that matched the selection, also beyond the limit.
        public var matched = 0
        /// DLQ records read.
        public var scanned = 0
    }

    private let configuration: ServiceConfiguration
    private let selection: DeadLetterSelection
    private let group: String?
    private let timeout: Duration
    private let logger: Logger

    /// `group`: the reprocess group whose position `list` starts from (`nil`: the default reprocess group).
    public init(
        configuration: ServiceConfiguration, selection: DeadLetterSelection, group: String? = nil,
        timeout: Duration = .seconds(30), logger: Logger
    ) {
        self.configuration = configuration
        self.selection = selection
        self.group = group
        self.timeout = timeout
        self.logger = logger
    }

    /// Reads the snapshot. Throws ``StartupError`` when the cluster does not answer.
    public func list(all: Bool) async throws -> Listing {
        let group = group ?? DeadLetterReprocessor.defaultGroup(configuration.kafka)
        var reader = try await DeadLetterReader.open(
            kafka: configuration.kafka, group: group, clientSuffix: "-dlq-list",
            start: all ? .beginning : .committed, timeout: timeout, logger: logger)
        var listing = Listing(topic: reader.topic, group: all ? nil : group)
        let decoder = MessageDecoder(configuration: configuration)
        var rowOfOrigin: [DeadLetterEntry.Origin: Int] = [:]
        var matchedOrigins: Set<DeadLetterEntry.Origin> = []
        do {
            while let messages = try await reader.next(maxMessages: 500) {
                for message in messages {
                    listing.scanned += 1
                    let entry = DeadLetterEntry(message, decoder: decoder)
                    if let origin = entry.origin, let row = rowOfOrigin[origin] {
                        listing.rows[row].copies += 1
                        continue
                    }
                    guard selection.matches(entry) else { continue }
                    if let origin = entry.origin {
                        guard matchedOrigins.insert(origin).inserted else { continue }
                    }
                    listing.matched += 1
                    guard listing.rows.count < selection.limit ?? .max else { continue }
                    if let origin = entry.origin { rowOfOrigin[origin] = listing.rows.count }
                    listing.rows.append(Row(entry: entry, copies: 1))
                }
            }
        } catch {
            await reader.close()
            throw error
        }
        await reader.close()
        return listing
    }
}

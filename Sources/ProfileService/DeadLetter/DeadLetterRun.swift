import Foundation
import Kafka
import Logging
import ProfileCore

/// The loop `dlq reprocess` and `dlq replay` share: read the DLQ snapshot from the group's position, select,
/// hand the selected records to the command batch by batch, and commit what was handled.
///
/// - Important: A DLQ offset is committed only after the command's handler returned for its batch, that is
///   after the records are applied, re-parked or replayed and acknowledged. Interrupted anywhere, the next
///   run reads again what was not committed; handling is idempotent (event ids) and a second copy of an
///   original is recognised (see ``DeadLetterRunCounts/duplicateCopies``), so nothing is lost or doubled.
///
/// Duplicate copies: several DLQ records with the same original topic, partition and offset (the daemon
/// crashed between the dead-letter acknowledgement and its transaction, or a re-park from an earlier
/// interrupted run). The first copy read in a run is handled; the later ones are passed over and committed past.
struct DeadLetterRun {
    let kafka: ServiceConfiguration.Kafka
    let decoder: MessageDecoder
    let options: DeadLetterRunOptions
    let group: String
    /// Each batch handled is a CONSUMER span, linked to its messages' original producer spans (their
    /// `traceparent`, kept by the DLQ); the command's store and publish spans are its children.
    let tracer: PipelineTracer
    let clientSuffix: String
    let logger: Logger

    /// Runs until the snapshot is read, the limit is reached or `stop` is set. `handle` gets the selected
    /// records of a batch (each with its ``DeadLetterEntry/inbound`` message) and the cluster's topics, and
    /// returns, for each, whether it is done with (`false`: left in place for a later run).
    func run(
        stop: DeadLetterStopFlag, progress: (@Sendable (DeadLetterProgress) -> Void)?,
        handle: (_ entries: [DeadLetterEntry], _ topics: [String: Int]) async throws -> [Bool]
    ) async throws -> DeadLetterRunCounts {
        var reader = try await DeadLetterReader.open(
            kafka: kafka, group: group, clientSuffix: clientSuffix,
            start: .committed, timeout: options.timeout, logger: logger)
        do {
            let counts = try await read(&reader, stop: stop, progress: progress, handle: handle)
            await reader.close()
            return counts
        } catch {
            await reader.close()
            throw error
        }
    }

    private enum Disposition {
        case handled, leftForLater, toHandle(Int)
    }

    private func read(
        _ reader: inout DeadLetterReader, stop: DeadLetterStopFlag, progress: (@Sendable (DeadLetterProgress) -> Void)?,
        handle: (_ entries: [DeadLetterEntry], _ topics: [String: Int]) async throws -> [Bool]
    ) async throws -> DeadLetterRunCounts {
        let started = ContinuousClock.now
        var counts = DeadLetterRunCounts(topic: reader.topic, group: group, dryRun: options.dryRun, snapshot: reader.total)
        var tracker = DeadLetterCommitTracker()
        var originsTaken: Set<DeadLetterEntry.Origin> = []
        var selected = 0
        var limitReached = false
        var exhausted = false
        while !stop.isSet && !limitReached {
            guard let messages = try await reader.next(maxMessages: options.batchSize) else {
                exhausted = true
                break
            }
            var dispositions: [(KafkaMessage, Disposition)] = []
            var batch: [DeadLetterEntry] = []
            for message in messages {
                if limitReached { break }
                counts.scanned += 1
                let entry = DeadLetterEntry(message, decoder: decoder)
                if let origin = entry.origin, originsTaken.contains(origin) {
                    counts.duplicateCopies += 1
                    dispositions.append((message, .handled))
                    continue
                }
                guard options.selection.matches(entry) else {
                    counts.notSelected += 1
                    dispositions.append((message, .leftForLater))
                    continue
                }
                selected += 1
                if let limit = options.selection.limit, selected >= limit { limitReached = true }
                guard let origin = entry.origin else {
                    counts.malformed += 1
                    logger.warning(
                        "DLQ record without dlq.original.* headers; passed over",
                        metadata: [
                            "topic": .string(message.topic), "partition": .stringConvertible(message.partition),
                            "offset": .stringConvertible(message.offset),
                        ])
                    dispositions.append((message, .handled))
                    continue
                }
                originsTaken.insert(origin)
                dispositions.append((message, .toHandle(batch.count)))
                batch.append(entry)
            }
            let done = batch.isEmpty ? [] : try await handled(batch, topics: reader.topics, by: handle)
            counts.handled += done.filter { $0 }.count
            for (message, disposition) in dispositions {
                switch disposition {
                case .handled: tracker.handled(message)
                case .leftForLater: tracker.leftForLater(message)
                case .toHandle(let index): done[index] ? tracker.handled(message) : tracker.leftForLater(message)
                }
            }
            if !options.dryRun {
                let offsets = tracker.uncommitted
                if !offsets.isEmpty {
                    try await reader.commit(offsets)
                    tracker.markCommitted(offsets)
                }
            }
            progress?(
                DeadLetterProgress(
                    scanned: counts.scanned, total: counts.snapshot, handled: counts.handled,
                    elapsed: ContinuousClock.now - started))
        }
        counts.interrupted = stop.isSet && !exhausted && !limitReached
        counts.committedOffsets = Dictionary(uniqueKeysWithValues: tracker.committedOffsets.map { (String($0.key), $0.value) })
        return counts
    }
}

extension DeadLetterRun {
    /// `handle` of `batch` in the batch's span.
    fileprivate func handled(
        _ batch: [DeadLetterEntry], topics: [String: Int],
        by handle: (_ entries: [DeadLetterEntry], _ topics: [String: Int]) async throws -> [Bool]
    ) async throws -> [Bool] {
        let span = tracer.isEnabled ? tracer.startBatch(batch.map { .init(record: $0.record) }) : nil
        do {
            let done = try await tracer.within(span) { try await handle(batch, topics) }
            tracer.end(span)
            return done
        } catch {
            tracer.end(span, error: error)
            throw error
        }
    }
}

/// What every `dlq reprocess` / `dlq replay` run reports, besides its own outcomes.
public struct DeadLetterRunCounts: Sendable, Encodable, Equatable {
    /// The DLQ topic and the group whose position the run used.
    public var topic: String
    public var group: String
    public var dryRun: Bool
    /// DLQ records in the snapshot the run covers (from the group's position to the end at start).
    public var snapshot: Int
    /// DLQ records read.
    public var scanned = 0
    /// Selected originals the command handled (applied, re-parked or replayed).
    public var handled = 0
    /// Later copies of an original already handled in this run: passed over and committed past.
    public var duplicateCopies = 0
    /// Records the selection left for a later run.
    public var notSelected = 0
    /// Selected records without `dlq.original.*` headers: nothing can be done with them; passed over.
    public var malformed = 0
    /// Stopped by Ctrl-C before the snapshot was read.
    public var interrupted = false
    /// The positions committed by this run, by DLQ partition (empty in a dry run).
    public var committedOffsets: [String: Int64] = [:]

    init(topic: String, group: String, dryRun: Bool, snapshot: Int) {
        self.topic = topic
        self.group = group
        self.dryRun = dryRun
        self.snapshot = snapshot
    }
}

import Kafka
import Tracing

/// The spans of the message pipeline, after OpenTelemetry's messaging and database conventions: a CONSUMER span per
/// batch, linked to each message's producer span; a CLIENT span per store transaction; a PRODUCER span per publish
/// (dead letters, replays). Shared by the worker and the DLQ tools.
///
/// Off (no tracer), nothing is started and no header is read: the pipeline pays one branch per batch.
struct PipelineTracer: Sendable {
    private let tracer: (any Tracer)?
    /// The consumer group named on the batch spans.
    let group: String
    /// The store's `db.system.name`: sqlite or postgresql.
    let databaseSystem: String
    /// Most links a span gets (`OTEL_SPAN_LINK_COUNT_LIMIT`): those of its first messages with a producer span.
    let linkLimit: Int

    /// - Parameter tracer: nil while tracing is off.
    init(tracer: (any Tracer)?, group: String, configuration: ServiceConfiguration) {
        self.tracer = tracer
        self.group = group
        databaseSystem = configuration.postgres == nil ? "sqlite" : "postgresql"
        linkLimit = configuration.tracing.linkCountLimit
    }

    /// Whether spans are recorded (and messages' producer contexts read).
    var isEnabled: Bool { tracer != nil }

    /// Starts the CONSUMER span of a decoded batch of the worker: its events' and poison messages' producer spans.
    func startBatch(_ batch: DecodedBatch) -> (any Span)? {
        guard isEnabled else { return nil }
        return startBatch(
            batch.events.map { TracedMessage($0.origin, context: $0.origin.producerContext) }
                + batch.poison.map { TracedMessage(record: $0.message.record) })
    }

    /// Starts the CONSUMER span of a batch, `process <topics>`, linked to the producer span of each message that
    /// has one (up to ``linkLimit``). A batch of a single message is also that producer span's child, so that a
    /// message that arrives alone (the usual case below saturation) appears in its producer's trace; a larger batch
    /// starts a trace of its own, reached through its links.
    func startBatch(_ messages: [TracedMessage]) -> (any Span)? {
        guard let tracer, !messages.isEmpty else { return nil }
        let links = self.links(to: messages, with: tracer)
        let topics = Set(messages.map(\.origin.topic)).sorted().joined(separator: ",")
        let parent = messages.count == 1 ? links.first?.context : nil
        let span = tracer.startSpan("process \(topics)", context: parent ?? .topLevel, ofKind: .consumer)
        span.updateAttributes { attributes in
            attributes[SpanAttributeName.messagingSystem] = "kafka"
            attributes[SpanAttributeName.messagingOperationName] = "process"
            attributes[SpanAttributeName.messagingOperationType] = "process"
            attributes[SpanAttributeName.messagingDestinationName] = topics
            attributes[SpanAttributeName.messagingConsumerGroup] = group
            attributes[SpanAttributeName.messagingBatchMessageCount] = messages.count
            let partitions = Set(messages.map(\.origin.partition))
            if partitions.count == 1 { attributes[SpanAttributeName.messagingPartitionID] = String(partitions.first!) }
            if messages.count == 1 { attributes[SpanAttributeName.messagingKafkaOffset] = Int(messages[0].origin.offset) }
        }
        for link in links { span.addLink(link) }
        return span
    }

    /// The links to `messages`' producer spans, in order, at most ``linkLimit``: OpenTelemetry's span limit (128 by
    /// default), which keeps a batch of 20,000 messages from making a span of 20,000 links that every trace backend
    /// would choke on, and the memory that would hold them while they wait for export.
    private func links(to messages: [TracedMessage], with tracer: any Tracer) -> [SpanLink] {
        var links: [SpanLink] = []
        for message in messages where links.count < linkLimit {
            if let link = message.link(with: tracer) { links.append(link) }
        }
        return links
    }

    /// Runs `body` with `span` as the current span, so that its child spans and log lines belong to it.
    func within<T>(_ span: (any Span)?, _ body: () async throws -> T) async rethrows -> T {
        guard let span else { return try await body() }
        return try await ServiceContext.withValue(span.context) { try await body() }
    }

    /// Ends `span`; with `error`, marked failed with its `error.type`.
    func end(_ span: (any Span)?, error: (any Error)? = nil) {
        guard let span else { return }
        if let error {
            span.attributes[SpanAttributeName.errorType] = String(reflecting: type(of: error))
            span.recordError(error)
            span.setStatus(SpanStatus(code: .error))
        }
        span.end()
    }

    /// Runs `body`, one attempt of a store transaction, in a CLIENT span.
    func storeTransaction<T>(_ body: () async throws -> T) async throws -> T {
        guard let tracer else { return try await body() }
        let span = tracer.startSpan("apply batch", context: .current ?? .topLevel, ofKind: .client)
        span.updateAttributes { attributes in
            attributes[SpanAttributeName.databaseSystem] = databaseSystem
            attributes[SpanAttributeName.databaseOperationName] = "apply batch"
        }
        return try await run(body, in: span)
    }

    /// Runs `body`, one attempt to publish `poison` to the DLQ `topic`, in a PRODUCER span (``send(to:_:_:)``)
    /// whose links also name each message's `dlq.error.class`.
    func deadLetterPublish<T>(_ poison: [DecodedMessage.Poison], topic: String, _ body: () async throws -> T) async throws -> T {
        guard isEnabled else { return try await body() }
        let messages = poison.map { poison in
            var message = TracedMessage(record: poison.message.record)
            message.deadLetterErrorClass = poison.error.errorClass.rawValue
            return message
        }
        return try await send(to: topic, messages, body)
    }

    /// Runs `body`, one attempt to publish `messages` again (to `topic`: the DLQ, or their original topics), in a
    /// PRODUCER span `send <topic>` linked to each message's producer span. The records keep their headers
    /// unchanged (the contract of dead letters and replays): the span is not injected into them.
    func send<T>(to topic: String, _ messages: [TracedMessage], _ body: () async throws -> T) async throws -> T {
        guard let tracer, !messages.isEmpty else { return try await body() }
        let span = tracer.startSpan("send \(topic)", context: .current ?? .topLevel, ofKind: .producer)
        span.updateAttributes { attributes in
            attributes[SpanAttributeName.messagingSystem] = "kafka"
            attributes[SpanAttributeName.messagingOperationName] = "send"
            attributes[SpanAttributeName.messagingOperationType] = "send"
            attributes[SpanAttributeName.messagingDestinationName] = topic
            if messages.count > 1 { attributes[SpanAttributeName.messagingBatchMessageCount] = messages.count }
        }
        for link in links(to: messages, with: tracer) { span.addLink(link) }
        return try await run(body, in: span)
    }

    /// `body` with `span` current; `span` ended, marked failed when `body` throws.
    private func run<T>(_ body: () async throws -> T, in span: any Span) async throws -> T {
        do {
            let result = try await ServiceContext.withValue(span.context) { try await body() }
            span.end()
            return result
        } catch {
            end(span, error: error)
            throw error
        }
    }

    /// A message as the spans' links describe it: where it was read and its producer's span.
    struct TracedMessage {
        var origin: MessageOrigin
        var context: ProducerTraceContext?
        /// For a dead letter: why.
        var deadLetterErrorClass: String?

        init(_ origin: MessageOrigin, context: ProducerTraceContext?) {
            self.origin = origin
            self.context = context
        }

        init(record: KafkaMessage) {
            self.init(MessageOrigin(record), context: ProducerTraceContext(headers: record.headers))
        }

        /// The link to its producer's span, with where it was read; nil without one (or with a malformed one).
        func link(with tracer: any Tracer) -> SpanLink? {
            guard let context = context?.context(with: tracer) else { return nil }
            var attributes = SpanAttributes()
            attributes[SpanAttributeName.messagingDestinationName] = origin.topic
            attributes[SpanAttributeName.messagingPartitionID] = String(origin.partition)
            attributes[SpanAttributeName.messagingKafkaOffset] = Int(origin.offset)
            if let deadLetterErrorClass { attributes[SpanAttributeName.deadLetterErrorClass] = deadLetterErrorClass }
            return SpanLink(context: context, attributes: attributes)
        }
    }
}

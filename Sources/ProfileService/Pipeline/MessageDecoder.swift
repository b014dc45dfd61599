import Kafka
import ProfileCore

/// The pipeline's decode step: each message read becomes an event to apply or a poison message to dead-letter.
///
/// Configured once, from the service's configuration (`PROFILE_MAX_MESSAGE_BYTES`, the source topics and their
/// formats), and shared by the worker and the DLQ tools, so both decide alike.
public struct MessageDecoder: Sendable {
    private let decoder: EventDecoder
    private let formats: [String: EventFormat]
    /// Whether an event keeps its producer's span (`traceparent`) for the batch span's links.
    private let readsTraceContext: Bool

    public init(configuration: ServiceConfiguration) {
        decoder = EventDecoder(maxMessageBytes: configuration.maxMessageBytes)
        formats = configuration.kafka.sourceTopics
        readsTraceContext = configuration.tracing.isEnabled
    }

    /// Decodes `message`; the format is chosen by its original topic.
    public func decode(_ message: InboundMessage) -> DecodedMessage {
        guard let format = formats[message.originalTopic] else {
            return .poison(
                .init(
                    message: message,
                    error: PoisonError(
                        .unknownTopic, "topic \(message.originalTopic) is not a source topic of this service")))
        }
        switch decoder.decode(message.record.value, format: format, eventIDHeader: message.eventIDHeader) {
        case .success(let decoded):
            return .event(
                .init(origin: MessageOrigin(message.record, readingTraceContext: readsTraceContext), decoded: decoded))
        case .failure(let error): return .poison(.init(message: message, error: error))
        }
    }

    /// The envelope's `id` member of a message that does not decode, if it has one and is not too large to read.
    func envelopeID(of value: [UInt8]?) -> String? {
        guard let value, value.count <= decoder.maxMessageBytes,
            case .string(let id)? = (try? JSONParser.parse(value))?["id"]
        else { return nil }
        return id
    }
}

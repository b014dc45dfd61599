import Kafka
import Tracing
import W3CTraceContext

/// A message's producer span, as its W3C `traceparent` and `tracestate` headers carry it (what the OpenTelemetry
/// instrumentations of aiokafka, kafkajs and the Java client put on every record they produce).
///
/// Read from the headers as text when the message is decoded, and checked only when a link is made of it (a batch
/// links its first messages only): a malformed `traceparent` gives no context, and the message is processed as any
/// other (a tracing header never makes a message poison). A malformed `tracestate` beside a good `traceparent` is
/// dropped.
struct ProducerTraceContext: Sendable {
    static let traceParentHeader = "traceparent"
    static let traceStateHeader = "tracestate"

    let traceParent: String
    let traceState: String?

    /// Nil when the message has no `traceparent` header.
    init?(headers: [KafkaHeader]) {
        guard let traceParent = headers.string(for: Self.traceParentHeader) else { return nil }
        self.traceParent = traceParent
        traceState = headers.string(for: Self.traceStateHeader)
    }

    private init(traceParent: String, traceState: String?) {
        self.traceParent = traceParent
        self.traceState = traceState
    }

    /// The context `tracer` makes of it, for a link or a parent; nil when `traceparent` is malformed.
    func context(with tracer: any Tracer) -> ServiceContext? {
        let valid: ProducerTraceContext
        if (try? TraceContext(traceParentHeaderValue: traceParent, traceStateHeaderValue: traceState)) != nil {
            valid = self
        } else if traceState != nil, (try? TraceContext(traceParentHeaderValue: traceParent)) != nil {
            valid = ProducerTraceContext(traceParent: traceParent, traceState: nil)
        } else {
            return nil
        }
        var context = ServiceContext.topLevel
        tracer.extract(valid, into: &context, using: Extractor())
        return context
    }

    /// Reads the checked headers back for the tracer's propagator.
    private struct Extractor: Tracing.Extractor {
        func extract(key: String, from carrier: ProducerTraceContext) -> String? {
            switch key {
            case ProducerTraceContext.traceParentHeader: carrier.traceParent
            case ProducerTraceContext.traceStateHeader: carrier.traceState
            default: nil
            }
        }
    }
}

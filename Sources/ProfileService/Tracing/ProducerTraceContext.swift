import Kafka
import Tracing
import W3CTraceContext

/// A message's producer span, as its W3C `traceparent` and `tracestate` headers carry it (what the OpenTelemetry
/// instrumentations of aiokafka, kafkajs and the Java client put on every record they produce).
///
/// Only a well-formed `traceparent` makes one; a missing or malformed header gives none, and the message is
/// processed as any other (a tracing header never makes a message poison). A malformed `tracestate` beside a good
/// `traceparent` is dropped.
struct ProducerTraceContext: Sendable {
    static let traceParentHeader = "traceparent"
    static let traceStateHeader = "tracestate"

    let traceParent: String
    let traceState: String?

    init?(headers: [KafkaHeader]) {
        guard let traceParent = headers.string(for: Self.traceParentHeader) else { return nil }
        let traceState = headers.string(for: Self.traceStateHeader)
        if (try? TraceContext(traceParentHeaderValue: traceParent, traceStateHeaderValue: traceState)) != nil {
            self.traceParent = traceParent
            self.traceState = traceState
        } else if traceState != nil, (try? TraceContext(traceParentHeaderValue: traceParent)) != nil {
            self.traceParent = traceParent
            self.traceState = nil
        } else {
            return nil
        }
    }

    /// The context `tracer` makes of it, for a link or a parent.
    func context(with tracer: any Tracer) -> ServiceContext {
        var context = ServiceContext.topLevel
        tracer.extract(self, into: &context, using: Extractor())
        return context
    }

    /// Reads the validated headers back for the tracer's propagator.
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

import InMemoryTracing
import Kafka
import Testing
import Tracing

@testable import ProfileService

/// A batch span's links: one per message with a well-formed `traceparent`, in order, up to the span link limit
/// (`OTEL_SPAN_LINK_COUNT_LIMIT`); a malformed header gives no link and nothing else.
@Suite("Batch span links", .timeLimit(.minutes(1)))
struct BatchSpanLinkTests {
    private func message(offset: Int64, traceParent: String?) -> PipelineTracer.TracedMessage {
        let headers = traceParent.map { [KafkaHeader(key: "traceparent", string: $0)] } ?? []
        return .init(record: KafkaMessage(topic: "user.created", partition: 2, offset: offset, key: nil, value: nil, headers: headers))
    }

    private func traceParent(_ index: Int) -> String {
        "00-\(String(repeating: "0", count: 24))\(String(format: "%08x", index + 1))-00000000\(String(format: "%08x", index + 1))-01"
    }

    private func tracer(linkLimit: Int) -> (InMemoryTracer, PipelineTracer) {
        var configuration = ServiceConfiguration()
        configuration.tracing.linkCountLimit = linkLimit
        let memory = InMemoryTracer()
        return (memory, PipelineTracer(tracer: memory, group: "profile-svc", configuration: configuration))
    }

    @Test func aBatchLinksItsFirstMessagesUpToTheLimitAndSkipsMalformedHeaders() throws {
        let (memory, tracer) = tracer(linkLimit: 128)
        let messages =
            [message(offset: 0, traceParent: "00-not-a-trace-context-01"), message(offset: 1, traceParent: nil)]
            + (2..<300).map { message(offset: Int64($0), traceParent: traceParent($0)) }
        tracer.end(tracer.startBatch(messages))
        let span = try #require(memory.finishedSpans.first)
        #expect(span.operationName == "process user.created")
        #expect(span.kind == .consumer)
        #expect(span.attributes["messaging.batch.message_count"]?.toSpanAttribute() == .int64(300))
        #expect(span.attributes["messaging.destination.partition.id"]?.toSpanAttribute() == .string("2"))
        #expect(span.links.count == 128)
        #expect(span.links.first?.attributes["messaging.kafka.offset"]?.toSpanAttribute() == .int64(2), "the first well-formed one")
        #expect(span.links.last?.attributes["messaging.kafka.offset"]?.toSpanAttribute() == .int64(129))
    }

    @Test func aLimitOfTheBatchSizeLinksEveryMessage() throws {
        let (memory, tracer) = tracer(linkLimit: 20_000)
        tracer.end(tracer.startBatch((0..<1_000).map { message(offset: Int64($0), traceParent: traceParent($0)) }))
        #expect(try #require(memory.finishedSpans.first).links.count == 1_000)
    }

    @Test func offNothingIsStarted() {
        let tracer = PipelineTracer(tracer: nil, group: "profile-svc", configuration: ServiceConfiguration())
        #expect(tracer.startBatch([message(offset: 0, traceParent: traceParent(0))]) == nil)
    }
}

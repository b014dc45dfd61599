import Foundation
import Kafka
import Logging
import ProfileDemo
import ProfileService
import TansuSupport
import TestSupport
import Testing

/// A sign-up from the auth-svc stack (aiokafka instrumented by OpenTelemetry) followed into the built daemon: what a
/// test OTLP receiver decodes from the real protobuf the daemon exports. On librdkafka's mock cluster and on Tansu.
@Suite(.serialized, .timeLimit(.minutes(3)))
struct TracingEndToEndTests {
    @Test(.whereTracingToolsAreInstalled)
    func producerSpansReachTheBatchStoreDeadLetterAndHTTPSpansOnTheMockCluster() async throws {
        let cluster = try KafkaMockCluster(logger: Logger(label: "e2e.mock"))
        let topics = ServiceConfiguration().kafka
        try cluster.createTopic(topics.userRegisteredTopic, partitions: 2)
        try cluster.createTopic(topics.userCreatedTopic, partitions: 2)
        try cluster.createTopic(topics.deadLetterTopic, partitions: 1)
        try await followTrace(bootstrapServers: cluster.bootstrapServers)
    }

    @Test(.whereTansuIsInstalled, .whereTracingToolsAreInstalled)
    func producerSpansReachTheBatchStoreDeadLetterAndHTTPSpansOnTansu() async throws {
        let directory = Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let binary = try #require(TansuBroker.binary, "Tansu is required in CI: scripts/install-deps --test")
        let broker = try await TansuBroker(binary: binary, directory: directory)
        let topics = ServiceConfiguration().kafka
        try broker.createTopic(topics.userRegisteredTopic, partitions: 2)
        try broker.createTopic(topics.userCreatedTopic, partitions: 2)
        try broker.createTopic(topics.deadLetterTopic, partitions: 1)
        try await followTrace(bootstrapServers: broker.bootstrapServers)
        try await broker.stop()
    }

    /// Sign-ups and a poison message from the instrumented producer, one event with a malformed `traceparent`, then
    /// a sign-up alone, a traced lookup and `dlq reprocess`; the spans checked once the daemon has stopped (the
    /// exporter's flush on shutdown sends what its 5 s schedule had not).
    private func followTrace(bootstrapServers: String) async throws {
        let directory = Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let receiver = try await OTLPReceiver(directory: directory)
        let topics = ServiceConfiguration().kafka
        let group = "profile-svc-tracing"

        let ana = SampleEvents.userRegistered(userID: UUID().uuidString.lowercased(), eventID: UUID().uuidString.lowercased())
        let bruno = SampleEvents.userRegistered(userID: UUID().uuidString.lowercased(), eventID: UUID().uuidString.lowercased())
        let version2 = SampleEvents.poison(
            topic: topics.userRegisteredTopic,
            value: String(decoding: ana.value!, as: UTF8.self).replacingOccurrences(of: #""v":1"#, with: #""v":2"#))
        let producers = try TracingTools.produceTraced([ana, bruno, version2], bootstrapServers: bootstrapServers, directory: directory)
        try #require(producers.count == 3)
        let (anaSent, brunoSent, poisonSent) = (producers[0], producers[1], producers[2])
        // Not instrumented: a traceparent no tracer could have written. Never poison.
        var malformed = SampleEvents.userCreated(id: 7001)
        malformed.headers.append(KafkaHeader(key: "traceparent", string: "00-not-a-trace-context-01"))
        try await produce([malformed], to: bootstrapServers)

        let httpPort = try LocalPort.free()
        let http = HTTPClient(port: httpPort)
        let environment = BuiltDaemon.environment([
            "KAFKA_BOOTSTRAP_SERVERS": bootstrapServers, "KAFKA_GROUP_ID": group,
            "KAFKA_PROP_SESSION_TIMEOUT_MS": "6000", "KAFKA_PROP_MAX_POLL_INTERVAL_MS": "10000",
            "PROFILE_DB_PATH": directory.appendingPathComponent("profiles.sqlite").path,
            "HTTP_HOST": "127.0.0.1", "HTTP_PORT": String(httpPort), "LOG_LEVEL": "info",
            "OTEL_EXPORTER_OTLP_ENDPOINT": receiver.endpoint, "OTEL_RESOURCE_ATTRIBUTES": "deployment.environment=e2e",
        ])
        let executable = try BuiltDaemon.executable()
        let daemon = try ChildProcess(
            executable, ["run"], environment: environment, directory: directory,
            logFile: directory.appendingPathComponent("daemon.log"))
        let lookupTrace = (traceID: Self.randomHex(16), spanID: Self.randomHex(8))
        var carlaSent: TracingTools.ProducerSpan?
        do {
            try await eventually(timeout: .seconds(60), "the four messages handled") {
                let consumed = try? await http.metricTotal("profile_messages_consumed_total")
                let deadLettered = try? await http.metricTotal("profile_dead_lettered_total")
                return consumed == 4 && deadLettered == 1
            }
            #expect(await http.status("/v1/profiles/7001") == 200, "a malformed traceparent is not poison")
            // Alone: a batch of one message.
            let carla = SampleEvents.userRegistered(userID: UUID().uuidString.lowercased(), eventID: UUID().uuidString.lowercased())
            carlaSent = try TracingTools.produceTraced([carla], bootstrapServers: bootstrapServers, directory: directory).first
            try await eventually(timeout: .seconds(30), "the lone sign-up applied") {
                (try? await http.metricTotal("profile_messages_consumed_total")) == 5
            }
            let lookup = try await http.get(
                "/v1/profiles/\(String(decoding: ana.key!, as: UTF8.self))",
                headers: ["traceparent": "00-\(lookupTrace.traceID)-\(lookupTrace.spanID)-01"])
            #expect(lookup.status == 200)
            #expect(try await daemon.terminate(within: .seconds(20)) == 0)
        } catch {
            Issue.record("\(error)\n--- end of daemon.log ---\n\(daemon.logTail())")
            throw error
        }

        // The dead letter keeps the producer's traceparent, unchanged.
        let deadLetters = try await TopicReader.readAll(topics.deadLetterTopic, bootstrapServers: bootstrapServers)
        #expect(deadLetters.map { $0.headers.string(for: "traceparent") } == [poisonSent.traceParent])

        let spans = try receiver.spans()
        let batches = spans.filter { $0.kind == "SPAN_KIND_CONSUMER" && $0.name.hasPrefix("process ") }
        for sent in [anaSent, brunoSent, poisonSent] {
            let batch = try #require(batches.first { $0.links(to: sent) }, "a batch span linked to \(sent)\n\(spans)")
            #expect(batches.filter { $0.links(to: sent) }.count == 1)
            #expect(batch.service == "profile-svc")
            #expect(batch.resource["deployment.environment"] as? String == "e2e")
            #expect(batch.attributes["messaging.system"] as? String == "kafka")
            #expect(batch.attributes["messaging.operation.name"] as? String == "process")
            #expect(batch.attributes["messaging.consumer.group.name"] as? String == group)
            #expect((batch.attributes["messaging.destination.name"] as? String)?.contains(topics.userRegisteredTopic) == true)
            #expect((batch.attributes["messaging.batch.message_count"] as? Int ?? 0) >= batch.links.count)
            let link = try #require(batch.link(to: sent))
            #expect(link.attributes["messaging.destination.name"] as? String == topics.userRegisteredTopic)
            #expect(link.attributes["messaging.kafka.offset"] as? Int != nil)
        }
        let anaBatch = try #require(batches.first { $0.links(to: anaSent) })
        let store = spans.filter { $0.parentSpanID == anaBatch.spanID && $0.kind == "SPAN_KIND_CLIENT" }
        #expect(store.count == 1 && store.first?.attributes["db.system.name"] as? String == "sqlite", "\(store)")
        #expect(store.first?.traceID == anaBatch.traceID)

        let poisonBatch = try #require(batches.first { $0.links(to: poisonSent) })
        let deadLetterSpan = try #require(
            spans.first { $0.kind == "SPAN_KIND_PRODUCER" && $0.parentSpanID == poisonBatch.spanID }, "the dead-letter span\n\(spans)")
        #expect(deadLetterSpan.name == "send \(topics.deadLetterTopic)")
        #expect(deadLetterSpan.attributes["messaging.destination.name"] as? String == topics.deadLetterTopic)
        #expect(deadLetterSpan.link(to: poisonSent)?.attributes["dlq.error.class"] as? String == "unsupported_version")

        // The lone sign-up: its batch is also its producer span's child, in the producer's trace.
        let carlaProducer = try #require(carlaSent)
        let carlaBatch = try #require(batches.first { $0.links(to: carlaProducer) })
        #expect(carlaBatch.traceID == carlaProducer.traceID && carlaBatch.parentSpanID == carlaProducer.spanID)
        #expect(carlaBatch.attributes["messaging.batch.message_count"] as? Int == 1)
        #expect(carlaBatch.attributes["messaging.kafka.offset"] as? Int != nil)
        #expect(carlaBatch.attributes["messaging.destination.partition.id"] as? String != nil)

        // The lookup continues the caller's trace, named by its route template.
        let server = try #require(spans.first { $0.kind == "SPAN_KIND_SERVER" && $0.traceID == lookupTrace.traceID }, "\(spans)")
        #expect(server.parentSpanID == lookupTrace.spanID)
        #expect(server.name == "/v1/profiles/{user_id}")
        #expect(server.attributes["http.response.status_code"] as? Int == 200)

        // Log lines written inside a span carry its ids: the batch's outcome lines, the request's access log line.
        let lines = daemon.log.split(separator: "\n").compactMap {
            try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }
        let created = lines.filter {
            $0["message"] as? String == "profile created" && $0["user_id"] as? String == String(decoding: ana.key!, as: UTF8.self)
        }
        #expect(created.count == 1)
        #expect(created.first?["trace_id"] as? String == anaBatch.traceID && created.first?["span_id"] as? String == anaBatch.spanID)
        let anaPath = "/v1/profiles/\(String(decoding: ana.key!, as: UTF8.self))"
        let access = lines.filter { $0["message"] as? String == "request" && $0["path"] as? String == anaPath }
        #expect(access.count == 1)
        #expect(access.first?["trace_id"] as? String == server.traceID && access.first?["span_id"] as? String == server.spanID)

        // `dlq reprocess` is traced too: its batch linked to the poison's producer span, the re-park its child.
        let spansBefore = spans.count
        let reprocess = try ChildProcess.run(executable, ["dlq", "reprocess"], environment: environment)
        #expect(reprocess.status == 0, "\(reprocess.output)")
        let afterReprocess = try receiver.spans().dropFirst(spansBefore)
        let reprocessBatch = try #require(
            afterReprocess.first { $0.kind == "SPAN_KIND_CONSUMER" && $0.links(to: poisonSent) }, "\(afterReprocess)")
        #expect(reprocessBatch.name == "process \(topics.deadLetterTopic)")
        #expect(afterReprocess.contains { $0.kind == "SPAN_KIND_PRODUCER" && $0.parentSpanID == reprocessBatch.spanID })
        try await receiver.stop()
    }

    private func produce(_ records: [KafkaProducerRecord], to bootstrapServers: String) async throws {
        let producer = try KafkaProducer(
            configuration: KafkaConfiguration(["bootstrap.servers": bootstrapServers, "acks": "all"]),
            logger: Logger(label: "e2e.producer"))
        defer { producer.close() }
        try await producer.send(records)
    }

    private static func randomHex(_ bytes: Int) -> String {
        (0..<bytes).map { _ in String(format: "%02x", UInt8.random(in: 1...255)) }.joined()
    }

    private static func temporaryDirectory() -> URL {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("profile-svc-tracing-\(UUID().uuidString)")
        try! FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        return directory
    }
}

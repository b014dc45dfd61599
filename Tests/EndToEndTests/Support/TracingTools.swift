import Foundation
import Kafka
import TestSupport
import Testing

/// The Python side of the tracing tests, in the test tools' virtual environment (scripts/install-deps --test):
/// an aiokafka producer instrumented by opentelemetry-instrumentation-aiokafka, and an OTLP/HTTP receiver that
/// decodes the protobuf with opentelemetry-proto.
enum TracingTools {
    /// The virtual environment's interpreter, when it has the packages; nil otherwise.
    static let python: URL? = {
        let environment = ProcessInfo.processInfo.environment
        let cache = environment["XDG_CACHE_HOME"] ?? ((environment["HOME"] ?? NSHomeDirectory()) + "/.cache")
        let python = URL(fileURLWithPath: cache + "/profile-svc/test-tools/bin/python3")
        let check = "import aiokafka, opentelemetry.instrumentation.aiokafka, opentelemetry.sdk, opentelemetry.proto"
        guard FileManager.default.isExecutableFile(atPath: python.path),
            let (status, _) = try? ChildProcess.run(python, ["-c", check]), status == 0
        else { return nil }
        return python
    }()

    /// This folder's `Python/<name>`.
    static func script(_ name: String) -> String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Python").appendingPathComponent(name).path
    }

    /// The producer span of one record the instrumented producer sent.
    struct ProducerSpan: Decodable, Equatable {
        var traceID: String
        var spanID: String
        /// The `traceparent` header the instrumentation put on the record.
        var traceParent: String

        enum CodingKeys: String, CodingKey {
            case traceID = "trace_id"
            case spanID = "span_id"
            case traceParent = "traceparent"
        }
    }

    /// Sends `records`, in order, with the instrumented aiokafka producer; its producer span for each.
    static func produceTraced(_ records: [KafkaProducerRecord], bootstrapServers: String, directory: URL) throws -> [ProducerSpan] {
        let python = try #require(python, "the tracing test tools are required in CI: scripts/install-deps --test")
        let input = directory.appendingPathComponent("records-\(UUID().uuidString).jsonl")
        let output = directory.appendingPathComponent("producer-spans-\(UUID().uuidString).jsonl")
        let lines = try records.map { record in
            let object: [String: Any] = [
                "topic": record.topic, "key": record.key.map { String(decoding: $0, as: UTF8.self) } as Any,
                "value": String(decoding: record.value ?? [], as: UTF8.self),
                "headers": record.headers.map { [$0.key, $0.stringValue ?? ""] },
            ]
            return String(decoding: try JSONSerialization.data(withJSONObject: object), as: UTF8.self)
        }
        try lines.joined(separator: "\n").write(to: input, atomically: true, encoding: .utf8)
        let result = try ChildProcess.run(python, [script("traced_producer.py"), bootstrapServers, input.path, output.path])
        try #require(result.status == 0, "traced_producer.py failed: \(result.output)")
        return try String(contentsOf: output, encoding: .utf8).split(separator: "\n").map {
            try JSONDecoder().decode(ProducerSpan.self, from: Data($0.utf8))
        }
    }
}

/// The test OTLP receiver as a child process, and the spans it decoded.
struct OTLPReceiver {
    let process: ChildProcess
    let spansFile: URL
    let port: Int

    init(directory: URL) async throws {
        let python = try #require(TracingTools.python, "the tracing test tools are required in CI: scripts/install-deps --test")
        spansFile = directory.appendingPathComponent("spans.jsonl")
        let process = try ChildProcess(
            python, [TracingTools.script("otlp_receiver.py"), spansFile.path], directory: directory,
            logFile: directory.appendingPathComponent("otlp-receiver.log"))
        self.process = process
        var port: Int?
        try await eventually(timeout: .seconds(20), "the OTLP receiver to listen") {
            guard process.isRunning else { throw ReceiverExited(log: process.log) }
            port = process.log.split(separator: "\n").first.flatMap { Int($0) }
            return port != nil
        }
        self.port = port!
    }

    var endpoint: String { "http://127.0.0.1:\(port)" }

    /// Every span received so far; a record the receiver could not decode fails the test.
    func spans() throws -> [ReceivedSpan] {
        guard let text = try? String(contentsOf: spansFile, encoding: .utf8) else { return [] }
        return try text.split(separator: "\n").map { line in
            let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            if let error = object["error"] { Issue.record("the receiver got a bad export: \(error)") }
            return ReceivedSpan(object)
        }
    }

    func stop() async throws {
        _ = try await process.terminate(within: .seconds(5))
    }

    struct ReceiverExited: Error, CustomStringConvertible {
        let log: String
        var description: String { "the OTLP receiver exited:\n\(log)" }
    }
}

/// One span as the receiver decoded it.
struct ReceivedSpan: CustomStringConvertible {
    struct Link {
        var traceID: String
        var spanID: String
        var attributes: [String: Any]
    }

    var service: String
    var resource: [String: Any]
    var name: String
    var kind: String
    var traceID: String
    var spanID: String
    var parentSpanID: String
    var attributes: [String: Any]
    var links: [Link]
    var status: String

    init(_ object: [String: Any]) {
        service = object["service"] as? String ?? ""
        resource = object["resource"] as? [String: Any] ?? [:]
        name = object["name"] as? String ?? ""
        kind = object["kind"] as? String ?? ""
        traceID = object["trace_id"] as? String ?? ""
        spanID = object["span_id"] as? String ?? ""
        parentSpanID = object["parent_span_id"] as? String ?? ""
        attributes = object["attributes"] as? [String: Any] ?? [:]
        links = (object["links"] as? [[String: Any]] ?? []).map {
            Link(
                traceID: $0["trace_id"] as? String ?? "", spanID: $0["span_id"] as? String ?? "",
                attributes: $0["attributes"] as? [String: Any] ?? [:])
        }
        status = object["status"] as? String ?? ""
    }

    /// Whether one of its links points at `producer`'s span.
    func links(to producer: TracingTools.ProducerSpan) -> Bool {
        links.contains { $0.traceID == producer.traceID && $0.spanID == producer.spanID }
    }

    func link(to producer: TracingTools.ProducerSpan) -> Link? {
        links.first { $0.traceID == producer.traceID && $0.spanID == producer.spanID }
    }

    var description: String { "\(kind) \(name) \(traceID)/\(spanID) parent \(parentSpanID) \(attributes) links \(links.count)" }
}

extension Trait where Self == ConditionTrait {
    /// Runs where the tracing test tools are installed, and always in CI, where missing tools fail the test.
    static var whereTracingToolsAreInstalled: Self {
        .enabled(
            if: TracingTools.python != nil || TansuEndToEndTests.isCI,
            "the tracing test tools are not installed (scripts/install-deps --test); skipped outside CI")
    }
}

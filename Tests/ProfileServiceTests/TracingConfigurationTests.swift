import Foundation
import ProfileService
import Testing

/// The `OTEL_*` settings: tracing off without an endpoint, the standard meanings, and one-line errors naming the
/// variable (exit 78 from the binary).
@Suite("Tracing configuration", .timeLimit(.minutes(1)))
struct TracingConfigurationTests {
    private func load(_ environment: [String: String]) throws(ConfigurationError) -> TracingSettings {
        try ConfigurationLoader.load(environment: environment, file: emptyFile()).tracing
    }

    private func emptyFile() -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("tracing-\(UUID().uuidString).env").path
        FileManager.default.createFile(atPath: path, contents: nil)
        return path
    }

    @Test func offWithoutAnEndpointWithTheStandardDefaults() throws {
        let settings = try load([:])
        #expect(!settings.isEnabled)
        #expect(settings.endpoint == nil)
        #expect(settings.exportProtocol == .httpProtobuf)
        #expect(settings.serviceName == "profile-svc")
        #expect(settings.sampler == "parentbased_always_on")
        #expect(settings.linkCountLimit == 128, "OpenTelemetry's default span link limit")
        #expect(!(try load(["OTEL_EXPORTER_OTLP_ENDPOINT": ""])).isEnabled, "empty is unset, as OpenTelemetry says")
    }

    @Test func everyVariableIsRead() throws {
        let settings = try load([
            "OTEL_EXPORTER_OTLP_ENDPOINT": "https://collector.internal:4318", "OTEL_EXPORTER_OTLP_PROTOCOL": "http/json",
            "OTEL_SERVICE_NAME": "profile-svc-eu", "OTEL_TRACES_SAMPLER": "parentbased_traceidratio",
            "OTEL_TRACES_SAMPLER_ARG": "0.25", "OTEL_RESOURCE_ATTRIBUTES": "deployment.environment=prod, team=identity",
            "OTEL_SPAN_LINK_COUNT_LIMIT": "20000",
        ])
        #expect(settings.linkCountLimit == 20_000)
        #expect(settings.isEnabled)
        #expect(settings.endpoint == "https://collector.internal:4318")
        #expect(settings.exportProtocol == .httpJSON)
        #expect(settings.serviceName == "profile-svc-eu")
        #expect(settings.sampler == "parentbased_traceidratio" && settings.samplerArgument == 0.25)
        #expect(settings.resourceAttributes == ["deployment.environment": "prod", "team": "identity"])
        #expect(!(try load(["OTEL_EXPORTER_OTLP_ENDPOINT": "http://localhost:4318", "OTEL_SDK_DISABLED": "true"])).isEnabled)
    }

    @Test(arguments: [
        ("OTEL_EXPORTER_OTLP_ENDPOINT", "localhost:4318"), ("OTEL_EXPORTER_OTLP_ENDPOINT", "ftp://collector"),
        ("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc"), ("OTEL_EXPORTER_OTLP_PROTOCOL", "thrift"), ("OTEL_SERVICE_NAME", " "),
        ("OTEL_TRACES_SAMPLER", "sometimes"), ("OTEL_TRACES_SAMPLER_ARG", "1.5"), ("OTEL_TRACES_SAMPLER_ARG", "half"),
        ("OTEL_RESOURCE_ATTRIBUTES", "no-equals-sign"), ("OTEL_SDK_DISABLED", "yes please"),
        ("OTEL_SPAN_LINK_COUNT_LIMIT", "-1"), ("OTEL_SPAN_LINK_COUNT_LIMIT", "many"),
    ])
    func aBadValueIsAnErrorNamingItsVariable(name: String, value: String) {
        do {
            _ = try load([name: value])
            Issue.record("\(name)=\(value) was accepted")
        } catch {
            #expect(error.setting == name)
        }
    }

    /// gRPC is not built in (only swift-otel's OTLP/HTTP exporter is): the daemon refuses to start, naming the variable.
    @Test func theBinaryRefusesGRPCInOneLineWithExitCode78() async throws {
        let result = try await ProfileSvcBinary.run(
            ["run"],
            environment: ["OTEL_EXPORTER_OTLP_ENDPOINT": "http://localhost:4317", "OTEL_EXPORTER_OTLP_PROTOCOL": "grpc"])
        #expect(result.status == 78)
        let lines = result.stderr.split(separator: "\n")
        #expect(lines.count == 1 && lines[0].contains("OTEL_EXPORTER_OTLP_PROTOCOL") && lines[0].contains("grpc"), "\(result.stderr)")
    }
}

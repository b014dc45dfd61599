import Foundation

/// The OpenTelemetry settings profile-svc reads (the standard `OTEL_*` variables, for traces only): where spans go,
/// how they are sampled and what resource they describe. Tracing runs only with an endpoint set and the SDK not
/// disabled; otherwise nothing is started and the pipeline skips every tracing step.
public struct TracingSettings: Sendable, Equatable {
    /// The OTLP protocols this build exports with. gRPC is left out of the build (it would about double the
    /// first build of the package); `OTEL_EXPORTER_OTLP_PROTOCOL=grpc` is refused as a configuration error.
    public enum ExportProtocol: String, Sendable, CaseIterable {
        case httpProtobuf = "http/protobuf"
        case httpJSON = "http/json"
    }

    /// The samplers of the OpenTelemetry specification that swift-otel implements.
    public static let samplers = [
        "always_on", "always_off", "traceidratio", "parentbased_always_on", "parentbased_always_off",
        "parentbased_traceidratio",
    ]

    /// `OTEL_EXPORTER_OTLP_ENDPOINT`: the collector's base URL (`/v1/traces` is appended); nil turns tracing off.
    public var endpoint: String?
    /// `OTEL_EXPORTER_OTLP_PROTOCOL`.
    public var exportProtocol: ExportProtocol = .httpProtobuf
    /// `OTEL_SERVICE_NAME`: the `service.name` of every span.
    public var serviceName = "profile-svc"
    /// `OTEL_TRACES_SAMPLER` and `OTEL_TRACES_SAMPLER_ARG` (the ratio of the `traceidratio` samplers).
    public var sampler = "parentbased_always_on"
    public var samplerArgument: Double?
    /// `OTEL_RESOURCE_ATTRIBUTES`: `key=value` pairs added to the resource of every span.
    public var resourceAttributes: [String: String] = [:]
    /// `OTEL_SDK_DISABLED=true`: tracing off even with an endpoint.
    public var sdkDisabled = false
    /// `OTEL_SPAN_LINK_COUNT_LIMIT`: most links a span gets (OpenTelemetry's default, 128). A batch span links
    /// its first messages up to it.
    public var linkCountLimit = 128

    public init() {}

    /// Whether spans are recorded and exported.
    public var isEnabled: Bool { endpoint != nil && !sdkDisabled }
}

extension SettingsReader {
    /// The `OTEL_*` settings, each bad value a ``ConfigurationError`` naming its variable.
    func tracing() throws(ConfigurationError) -> TracingSettings {
        var settings = TracingSettings()
        if let text = raw(.otelEndpoint)?.trimmingCharacters(in: .whitespaces), !text.isEmpty {
            guard let url = URL(string: text), ["http", "https"].contains(url.scheme?.lowercased()), url.host?.isEmpty == false else {
                throw ConfigurationError(
                    setting: Setting.otelEndpoint.rawValue,
                    reason: "'\(text)' is not an http:// or https:// URL such as http://localhost:4318")
            }
            settings.endpoint = text
        }
        if let text = raw(.otelProtocol)?.trimmingCharacters(in: .whitespaces).lowercased(), !text.isEmpty {
            if text == "grpc" {
                throw ConfigurationError(
                    setting: Setting.otelProtocol.rawValue,
                    reason: "'grpc' is not built into profile-svc; use http/protobuf (the default, port 4318) or http/json")
            }
            guard let value = TracingSettings.ExportProtocol(rawValue: text) else {
                throw ConfigurationError(setting: Setting.otelProtocol.rawValue, reason: "'\(text)' is not http/protobuf or http/json")
            }
            settings.exportProtocol = value
        }
        settings.serviceName = try nonEmpty(.otelServiceName, default: settings.serviceName)
        settings.sampler = try oneOf(.otelSampler, TracingSettings.samplers, default: settings.sampler)
        if let text = raw(.otelSamplerArgument)?.trimmingCharacters(in: .whitespaces), !text.isEmpty {
            guard let ratio = Double(text), (0...1).contains(ratio) else {
                throw ConfigurationError(setting: Setting.otelSamplerArgument.rawValue, reason: "'\(text)' is not a ratio from 0 to 1")
            }
            settings.samplerArgument = ratio
        }
        if let text = raw(.otelResourceAttributes), !text.trimmingCharacters(in: .whitespaces).isEmpty {
            for pair in text.split(separator: ",") {
                let parts = pair.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
                guard parts.count == 2, !parts[0].isEmpty else {
                    throw ConfigurationError(
                        setting: Setting.otelResourceAttributes.rawValue, reason: "'\(pair)' is not key=value (pairs separated by commas)")
                }
                settings.resourceAttributes[parts[0]] = parts[1].removingPercentEncoding ?? parts[1]
            }
        }
        settings.sdkDisabled = try oneOf(.otelSDKDisabled, ["true", "false"], default: "false") == "true"
        settings.linkCountLimit = try integer(.otelLinkCountLimit, in: 0...100_000, default: settings.linkCountLimit)
        return settings
    }
}

import Logging
import OTel
import ServiceLifecycle
import Tracing

/// Starts OpenTelemetry tracing for the process, from ``TracingSettings``: swift-otel's tracer bootstrapped as the
/// process-wide `InstrumentationSystem`, exporting over OTLP/HTTP. Only traces: the JSON logs and the Prometheus
/// metrics stay as they are (swift-otel's logging and metrics backends are never bootstrapped).
public enum TracingBootstrap {
    /// Bootstraps the tracer; nil, with nothing bootstrapped, while tracing is off. Call it once per process, and run
    /// the runtime's exporter in the process's service group (it flushes the spans on a graceful shutdown).
    ///
    /// - Parameter logger: where swift-otel reports its own trouble (an export that failed, say), at `warning`.
    public static func start(_ settings: TracingSettings, logger: Logger) throws(StartupError) -> TracingRuntime? {
        guard settings.isEnabled, let endpoint = settings.endpoint else { return nil }
        var configuration = OTel.Configuration.default
        configuration.logs.enabled = false
        configuration.metrics.enabled = false
        configuration.serviceName = settings.serviceName
        configuration.resourceAttributes = settings.resourceAttributes
        configuration.diagnosticLogger = .custom(logger)
        configuration.diagnosticLogLevel = .warning
        configuration.traces.sampler = sampler(settings)
        // Given as the variables, so that swift-otel reads them as the specification says (`/v1/traces` appended to
        // the base URL); no other variable of the process's environment reaches it.
        let environment = [
            Setting.otelEndpoint.rawValue: endpoint,
            Setting.otelProtocol.rawValue: settings.exportProtocol.rawValue,
        ]
        do {
            let exporter = try OTel.bootstrap(configuration: configuration, environment: environment)
            return TracingRuntime(tracer: InstrumentationSystem.tracer, exporter: exporter)
        } catch {
            throw StartupError(.configuration, "\(Setting.otelEndpoint.rawValue): \(error)")
        }
    }

    private static func sampler(_ settings: TracingSettings) -> OTel.Configuration.TracesConfiguration.SamplerConfiguration {
        let ratio = settings.samplerArgument ?? 1
        return switch settings.sampler {
        case "always_on": .alwaysOn
        case "always_off": .alwaysOff
        case "traceidratio": .traceIDRatio(ratio: ratio) ?? .traceIDRatio
        case "parentbased_always_off": .parentBasedAlwaysOff
        case "parentbased_traceidratio": .parentBasedTraceIDRatio(ratio: ratio) ?? .parentBasedTraceIDRatio
        default: .parentBasedAlwaysOn
        }
    }
}

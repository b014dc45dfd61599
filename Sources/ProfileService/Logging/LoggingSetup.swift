import Logging
import OTel

/// Installs the JSON handler process-wide, once, before anything logs.
public enum LoggingSetup {
    /// - Parameter traced: whether lines written inside a span carry its `trace_id` and `span_id` (and
    ///   `trace_flags`); only while tracing is on, so that otherwise a line costs no lookup of the current span.
    public static func bootstrap(level: Logger.Level, stream: JSONLogHandler.Stream, traced: Bool = false) {
        LoggingSystem.bootstrap(
            { label, provider in
                var handler = JSONLogHandler(label: label, level: level, stream: stream)
                handler.metadataProvider = provider
                return handler
            }, metadataProvider: traced ? OTel.makeLoggingMetadataProvider() : nil)
    }

    /// Installs the handler at `configuration`'s level, then logs its warnings (an unknown setting, say), one
    /// line each, before anything else runs.
    public static func bootstrap(_ configuration: ServiceConfiguration, stream: JSONLogHandler.Stream) {
        bootstrap(level: configuration.logLevel, stream: stream, traced: configuration.tracing.isEnabled)
        let logger = configuration.logger("profile-svc.configuration")
        for warning in configuration.warnings {
            logger.warning("\(warning)", metadata: ["setting": .string(warning.setting)])
        }
    }
}

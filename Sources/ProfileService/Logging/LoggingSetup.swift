import Logging

/// Installs the JSON handler process-wide, once, before anything logs.
public enum LoggingSetup {
    public static func bootstrap(level: Logger.Level, stream: JSONLogHandler.Stream) {
        LoggingSystem.bootstrap { label in JSONLogHandler(label: label, level: level, stream: stream) }
    }

    /// Installs the handler at `configuration`'s level, then logs its warnings (an unknown setting, say), one
    /// line each, before anything else runs.
    public static func bootstrap(_ configuration: ServiceConfiguration, stream: JSONLogHandler.Stream) {
        bootstrap(level: configuration.logLevel, stream: stream)
        let logger = configuration.logger("profile-svc.configuration")
        for warning in configuration.warnings {
            logger.warning("\(warning)", metadata: ["setting": .string(warning.setting)])
        }
    }
}

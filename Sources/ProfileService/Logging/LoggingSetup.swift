import Logging

/// Installs the JSON handler process-wide, once, before anything logs.
public enum LoggingSetup {
    public static func bootstrap(level: Logger.Level, stream: JSONLogHandler.Stream) {
        LoggingSystem.bootstrap { label in JSONLogHandler(label: label, level: level, stream: stream) }
    }
}

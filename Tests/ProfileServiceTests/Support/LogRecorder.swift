import Logging
import Synchronization

/// Collects log entries in memory, to check what a component logs.
final class LogRecorder: Sendable {
    struct Entry: Sendable {
        let level: Logger.Level
        let message: String
        /// The metadata, each value as its text.
        let metadata: [String: String]
    }

    private let store = Mutex<[Entry]>([])

    var entries: [Entry] { store.withLock { $0 } }

    /// A logger at `info` whose entries this recorder keeps.
    var logger: Logger {
        var logger = Logger(label: "test.recorded") { _ in Handler(recorder: self) }
        logger.logLevel = .info
        return logger
    }

    fileprivate func append(_ entry: Entry) {
        store.withLock { $0.append(entry) }
    }

    private struct Handler: LogHandler {
        let recorder: LogRecorder
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .info

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(event: LogEvent) {
            let fields = metadata.merging(event.metadata ?? [:]) { $1 }
            recorder.append(
                Entry(
                    level: event.level, message: "\(event.message)",
                    metadata: fields.mapValues { "\($0)" }))
        }
    }
}

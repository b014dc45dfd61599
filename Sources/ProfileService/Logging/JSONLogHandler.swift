import Foundation
import Logging
import ProfileCore
import Synchronization

/// A swift-log handler that writes one JSON object per line: `timestamp`, `level`, `logger`, `message`,
/// then the metadata's keys at the top level (so `request_id`, `topic`, `offset` are plain fields).
public struct JSONLogHandler: LogHandler {
    /// Where lines go: standard output for the daemon, standard error for the CLI commands, a file the caller opened
    /// for the benchmark.
    public enum Stream: Sendable {
        case standardOutput, standardError
        case file(descriptor: Int32)

        var descriptor: Int32 {
            switch self {
            case .standardOutput: 1
            case .standardError: 2
            case .file(let descriptor): descriptor
            }
        }
    }

    public var metadata: Logger.Metadata = [:]
    public var logLevel: Logger.Level
    public var metadataProvider: Logger.MetadataProvider?
    private let label: String
    private let output: LogWriter

    public init(label: String, level: Logger.Level, stream: Stream) {
        self.label = label
        self.logLevel = level
        output = LogWriter.shared(for: stream.descriptor)
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        // The handler's own metadata and the provider's are rare: most lines carry only the event's.
        var fields = event.metadata ?? [:]
        if !metadata.isEmpty { fields.merge(metadata) { event, _ in event } }
        if let provided = metadataProvider?.get() { fields.merge(provided) { event, _ in event } }
        var line: [UInt8] = []
        line.reserveCapacity(384)
        line.append(contentsOf: #"{"timestamp":""#.utf8)
        Timestamp.appendRFC3339(milliseconds: Int64(Date().timeIntervalSince1970 * 1000), to: &line)
        line.append(contentsOf: #"","level":""#.utf8)
        line.append(contentsOf: event.level.rawValue.utf8)
        line.append(contentsOf: #"","logger":"#.utf8)
        JSONText.appendString(label, to: &line)
        line.append(contentsOf: #","message":"#.utf8)
        JSONText.appendString("\(event.message)", to: &line)
        for key in fields.keys.sorted() where !Self.reserved.contains(key) {
            line.append(UInt8(ascii: ","))
            JSONText.appendString(key, to: &line)
            line.append(UInt8(ascii: ":"))
            JSONText.appendMetadata(fields[key]!, to: &line)
        }
        line.append(contentsOf: "}\n".utf8)
        output.append(line)
    }

    private static let reserved: Set<String> = ["timestamp", "level", "logger", "message"]
}

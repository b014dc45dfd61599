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
    private let stream: Stream

    public init(label: String, level: Logger.Level, stream: Stream) {
        self.label = label
        self.logLevel = level
        self.stream = stream
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var fields = metadata
        if let provided = metadataProvider?.get() { fields.merge(provided) { _, new in new } }
        if let extra = event.metadata { fields.merge(extra) { _, new in new } }
        var line = "{\"timestamp\":\"\(Timestamp.formatRFC3339(milliseconds: Int64(Date().timeIntervalSince1970 * 1000)))\""
        line += ",\"level\":\"\(event.level.rawValue)\",\"logger\":"
        JSONText.appendString(label, to: &line)
        line += ",\"message\":"
        JSONText.appendString("\(event.message)", to: &line)
        for key in fields.keys.sorted() where !Self.reserved.contains(key) {
            line += ","
            JSONText.appendString(key, to: &line)
            line += ":"
            JSONText.appendMetadata(fields[key]!, to: &line)
        }
        line += "}\n"
        LogOutput.write(line, to: stream.descriptor)
    }

    private static let reserved: Set<String> = ["timestamp", "level", "logger", "message"]
}

/// Serialises writes so lines from different threads never interleave.
enum LogOutput {
    private static let lock = Mutex(())

    static func write(_ line: String, to descriptor: Int32) {
        lock.withLock { _ in
            var text = line
            text.withUTF8 { buffer in
                var offset = 0
                while offset < buffer.count {
                    let written = Foundation.write(descriptor, buffer.baseAddress! + offset, buffer.count - offset)
                    if written <= 0 { return }
                    offset += written
                }
            }
        }
    }
}

/// Minimal JSON text building for log lines and HTTP bodies.
enum JSONText {
    static func appendString(_ value: String, to output: inout String) {
        output += "\""
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"": output += "\\\""
            case "\\": output += "\\\\"
            case "\n": output += "\\n"
            case "\r": output += "\\r"
            case "\t": output += "\\t"
            case _ where scalar.value < 0x20:
                output += "\\u00" + String(scalar.value, radix: 16).leftPadded(to: 2)
            default: output.unicodeScalars.append(scalar)
            }
        }
        output += "\""
    }

    static func appendMetadata(_ value: Logger.Metadata.Value, to output: inout String) {
        switch value {
        case .string(let text): appendString(text, to: &output)
        case .stringConvertible(let convertible):
            if let number = convertible as? any BinaryInteger {
                output += "\(number)"
            } else {
                appendString(convertible.description, to: &output)
            }
        case .array(let values):
            output += "["
            for (index, element) in values.enumerated() {
                if index > 0 { output += "," }
                appendMetadata(element, to: &output)
            }
            output += "]"
        case .dictionary(let dictionary):
            output += "{"
            for (index, key) in dictionary.keys.sorted().enumerated() {
                if index > 0 { output += "," }
                appendString(key, to: &output)
                output += ":"
                appendMetadata(dictionary[key]!, to: &output)
            }
            output += "}"
        }
    }
}

extension String {
    func leftPadded(to width: Int) -> String {
        String(repeating: "0", count: max(0, width - count)) + self
    }
}

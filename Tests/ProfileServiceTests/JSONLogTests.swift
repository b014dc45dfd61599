import Foundation
import Logging
import TestSupport
import Testing

@testable import ProfileService

/// The JSON log lines, written to a real file through the buffered writer: whole lines from many threads, escaped
/// strings, numbers as numbers, and a line written out by the writer's own thread, unasked, which carries its name.
@Suite("JSON log")
struct JSONLogTests {
    @Test func linesFromManyThreadsAreWholeJSONObjectsWithTheirFieldsEscaped() throws {
        let file = try LogFile()
        let handler = JSONLogHandler(label: "test.log", level: .info, stream: .file(descriptor: file.descriptor))
        let awkward = "quote \" backslash \\ newline \n tab \t bell \u{7} é 🦊"
        DispatchQueue.concurrentPerform(iterations: 8) { thread in
            var logger = Logger(label: "test.log") { _ in handler }
            logger.logLevel = .info
            for index in 0..<500 {
                logger.info(
                    "line", metadata: ["thread": .stringConvertible(thread), "index": .stringConvertible(index), "text": .string(awkward)])
            }
        }
        LogWriter.flushAll()
        let lines = try file.lines()
        #expect(lines.count == 4_000)
        var seen = Set<String>()
        for line in lines {
            let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any], "\(line)")
            #expect(object["message"] as? String == "line")
            #expect(object["logger"] as? String == "test.log")
            #expect(object["level"] as? String == "info")
            #expect(object["text"] as? String == awkward)
            let thread = try #require(object["thread"] as? Int, "integers are JSON numbers: \(line)")
            let index = try #require(object["index"] as? Int)
            seen.insert("\(thread)/\(index)")
        }
        #expect(seen.count == 4_000, "every line once")
    }

    @Test func aLineIsWrittenOutByTheWritersThreadWithoutBeingAskedTo() async throws {
        let file = try LogFile()
        var logger = Logger(label: "test.log") { label in
            JSONLogHandler(label: label, level: .info, stream: .file(descriptor: file.descriptor))
        }
        logger.logLevel = .info
        logger.info("written by the writer's own thread")
        // Every 100 ms, on an idle machine; the bound is loose for a machine busy with the other tests.
        try await eventually(timeout: .seconds(20), "the line to reach the file") {
            try file.lines().contains { $0.contains("written by the writer's own thread") }
        }
        #if os(Linux)
            #expect(currentThreadNames().contains("log-writer-\(file.descriptor)"), "\(currentThreadNames())")
        #endif
    }
}

/// A new file in a temporary folder, open for appending.
private final class LogFile: Sendable {
    let url: URL
    let descriptor: Int32

    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("profile-svc-log-\(UUID().uuidString).jsonl")
        descriptor = open(url.path, O_WRONLY | O_CREAT | O_APPEND, 0o644)
        guard descriptor >= 0 else { throw POSIXError(.EIO) }
    }

    deinit {
        // Each test has waited for its lines to be written out: nothing is left for this descriptor.
        close(descriptor)
        try? FileManager.default.removeItem(at: url)
    }

    func lines() throws -> [String] {
        try String(contentsOf: url, encoding: .utf8).split(separator: "\n").map(String.init)
    }
}

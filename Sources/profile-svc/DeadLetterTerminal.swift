import ArgumentParser
import Foundation
import ProfileCore
import ProfileService
import Synchronization

/// A `dlq` run attached to the terminal: the first Ctrl-C (SIGINT, or SIGTERM) asks the run to stop after
/// the batch in flight, a second one exits at once (130; nothing uncommitted is lost, it is read again next
/// time). While standard output is a TTY a progress line shows count, rate and what remains; otherwise
/// only the summary is printed.
enum DeadLetterTerminal {
    /// Runs `body` with ``run(label:_:)``, prints its summary (text, or one JSON object with `json`) and
    /// exits 130 when Ctrl-C interrupted it.
    static func execute<Summary: DeadLetterRunSummary>(
        label: String, json: Bool, _ body: (DeadLetterStopFlag, (@Sendable (DeadLetterProgress) -> Void)?) async throws -> Summary
    ) async throws {
        let summary = try await run(label: label, body)
        print(json ? DeadLetterSummaryOutput.json(summary) : summary.text, terminator: json ? "\n" : "")
        if summary.run.interrupted { throw ExitCode(130) }
    }

    static func run<T>(
        label: String, _ body: (DeadLetterStopFlag, (@Sendable (DeadLetterProgress) -> Void)?) async throws -> T
    ) async throws -> T {
        let stop = DeadLetterStopFlag()
        let sources = [SIGINT, SIGTERM].map { number in
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler {
                if stop.isSet { exit(130) }
                stop.set()
                FileHandle.standardError.write(Data("profile-svc: stopping after the batch in flight (again to quit now)\n".utf8))
            }
            source.resume()
            return source
        }
        defer {
            for source in sources { source.cancel() }
            signal(SIGINT, SIG_DFL)
            signal(SIGTERM, SIG_DFL)
        }
        let line = isatty(1) == 1 ? ProgressLine(label: label) : nil
        defer { line?.clear() }
        return try await DeadLetterFailure.mapping {
            try await body(stop, line.map { line in { @Sendable progress in line.show(progress) } })
        }
    }
}

/// A progress line on a terminal, redrawn in place at most four times a second.
final class ProgressLine: Sendable {
    private let label: String
    private let lastDrawn = Mutex<ContinuousClock.Instant?>(nil)

    init(label: String) {
        self.label = label
    }

    func show(_ progress: DeadLetterProgress) {
        let now = ContinuousClock.now
        let due = lastDrawn.withLock { last in
            guard last.map({ now - $0 >= .milliseconds(250) }) ?? true else { return false }
            last = now
            return true
        }
        guard due else { return }
        let seconds = progress.elapsed.inSeconds
        let rate = seconds > 0 ? Double(progress.scanned) / seconds : 0
        let remaining = max(0, progress.total - progress.scanned)
        let text =
            "\(label): \(progress.scanned)/\(progress.total) read, \(progress.handled) handled, "
            + String(format: "%.0f/s, ", rate) + "\(remaining) remaining"
        FileHandle.standardOutput.write(Data("\r\u{1B}[K\(text)".utf8))
    }

    func clear() {
        FileHandle.standardOutput.write(Data("\r\u{1B}[K".utf8))
    }
}

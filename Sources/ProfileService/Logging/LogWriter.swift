import Foundation
import ProfileCore
import Synchronization

/// The one writer of a log stream (a file descriptor): a line logged is appended to a buffer, under a lock held for
/// that copy only, with no system call; a thread of its own writes the buffer out every 100 ms. So logging at `info`
/// (a line per event) costs the hot path a copy, not a `write(2)` under a global lock. Each stream has its own
/// thread: a stream that blocks (a pipe its reader drains slowly) holds up its own lines only.
///
/// Nothing is lost on a graceful exit: the buffers are written out when the process exits (`atexit`), and
/// ``flushAll()`` writes them out at once. A crash loses at most the last 100 ms. A buffer that reaches 256 KiB (a
/// burst of lines, or a stream that cannot keep up) is written out by the caller that filled it, which bounds the
/// memory and slows the logging threads to the stream's pace rather than dropping lines. Two buffers take turns, one
/// filling while the other is written out, so writing out allocates nothing.
final class LogWriter: Sendable {
    private let descriptor: Int32
    /// The buffer lines are appended to.
    private let pending = Mutex<[UInt8]>([])
    /// The buffer being written out, empty between write-outs; held while it is, so that two write-outs never
    /// interleave their lines.
    private let writing = Mutex<[UInt8]>([])

    private init(descriptor: Int32) {
        self.descriptor = descriptor
    }

    /// The writer of `descriptor`, made on first use.
    static func shared(for descriptor: Int32) -> LogWriter {
        registry.withLock { writers in
            if let writer = writers[descriptor] { return writer }
            let writer = LogWriter(descriptor: descriptor)
            writers[descriptor] = writer
            if writers.count == 1 { atexit { LogWriter.flushAll() } }
            writer.startFlushing()
            return writer
        }
    }

    /// Appends one line (its own newline included), UTF-8; writes the buffer out at once when it has reached 256 KiB.
    func append(_ line: [UInt8]) {
        let full = pending.withLock { buffer in
            buffer.append(contentsOf: line)
            return buffer.count >= Self.inlineFlushBytes
        }
        if full { flush() }
    }

    /// Writes out what is buffered.
    func flush() {
        writing.withLock { bytes in
            pending.withLock { swap(&$0, &bytes) }
            defer { bytes.removeAll(keepingCapacity: true) }
            bytes.withUnsafeBytes { buffer in
                var offset = 0
                while offset < buffer.count {
                    let written = Foundation.write(descriptor, buffer.baseAddress! + offset, buffer.count - offset)
                    if written < 0 && errno == EINTR { continue }
                    // A stream that is gone (a closed pipe) takes nothing more; the service goes on.
                    if written <= 0 { return }
                    offset += written
                }
            }
        }
    }

    /// Writes out every writer's buffer (at exit, and before a process hands over its output).
    static func flushAll() {
        for writer in registry.withLock({ Array($0.values) }) { writer.flush() }
    }

    private static let registry = Mutex<[Int32: LogWriter]>([:])
    private static let inlineFlushBytes = 256 << 10

    /// Starts this stream's thread, which writes the buffer out every 100 ms for as long as the process runs.
    private func startFlushing() {
        Thread.start(named: "log-writer-\(descriptor)") { [self] in
            while true {
                Thread.sleep(forTimeInterval: 0.1)
                flush()
            }
        }
    }
}

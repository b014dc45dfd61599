import Foundation

/// A process's I/O counters, as Linux keeps them in `/proc/<pid>/io` (all its threads together).
///
/// Two pairs, which answer different questions: `rchar`/`wchar` count the bytes passed to `read`/`write`-family
/// calls (SQLite's `pread`/`pwrite`, including those the page cache answers, and any other file or socket read
/// that way); `readBytes`/`writeBytes` (`read_bytes`/`write_bytes`) count what reached the storage layer: pages read
/// from the disk, and pages made dirty (counted when dirtied, before the kernel writes them back).
/// `cancelledWriteBytes` are dirty pages truncated or deleted before they were written back.
public struct ProcessIO: Sendable, Equatable {
    public var rchar: Int64
    public var wchar: Int64
    public var readBytes: Int64
    public var writeBytes: Int64
    public var cancelledWriteBytes: Int64

    public init(rchar: Int64, wchar: Int64, readBytes: Int64, writeBytes: Int64, cancelledWriteBytes: Int64) {
        self.rchar = rchar
        self.wchar = wchar
        self.readBytes = readBytes
        self.writeBytes = writeBytes
        self.cancelledWriteBytes = cancelledWriteBytes
    }

    /// The counters in the text of a `/proc/<pid>/io` file (`name: value` lines); nil when one is missing.
    public init?(procText text: String) {
        var values: [Substring: Int64] = [:]
        for line in text.split(separator: "\n") {
            let parts = line.split(separator: ":", maxSplits: 1)
            guard parts.count == 2, let value = Int64(parts[1].trimmingCharacters(in: .whitespaces)) else { continue }
            values[parts[0]] = value
        }
        guard let rchar = values["rchar"], let wchar = values["wchar"], let readBytes = values["read_bytes"],
            let writeBytes = values["write_bytes"], let cancelledWriteBytes = values["cancelled_write_bytes"]
        else { return nil }
        self.init(rchar: rchar, wchar: wchar, readBytes: readBytes, writeBytes: writeBytes, cancelledWriteBytes: cancelledWriteBytes)
    }

    /// This process's counters now.
    ///
    /// - Throws: when `/proc/self/io` cannot be read (not Linux, or a kernel without task I/O accounting).
    public static func current() throws -> ProcessIO {
        try read("/proc/self/io")
    }

    /// The counters of process `pid` now: this user's processes, or any as root.
    ///
    /// - Throws: when its `/proc/<pid>/io` cannot be read (no such process, or another user's).
    public static func of(pid: Int32) throws -> ProcessIO {
        try read("/proc/\(pid)/io")
    }

    private static func read(_ path: String) throws -> ProcessIO {
        let text = try String(contentsOfFile: path, encoding: .utf8)
        guard let io = ProcessIO(procText: text) else { throw ProcessIOUnreadable(text: text) }
        return io
    }

    /// The counters of two processes together.
    public static func + (left: ProcessIO, right: ProcessIO) -> ProcessIO {
        ProcessIO(
            rchar: left.rchar + right.rchar, wchar: left.wchar + right.wchar, readBytes: left.readBytes + right.readBytes,
            writeBytes: left.writeBytes + right.writeBytes, cancelledWriteBytes: left.cancelledWriteBytes + right.cancelledWriteBytes)
    }

    /// What was counted between `earlier` and these counters.
    public func since(_ earlier: ProcessIO) -> ProcessIO {
        ProcessIO(
            rchar: rchar - earlier.rchar, wchar: wchar - earlier.wchar, readBytes: readBytes - earlier.readBytes,
            writeBytes: writeBytes - earlier.writeBytes, cancelledWriteBytes: cancelledWriteBytes - earlier.cancelledWriteBytes)
    }
}

/// `/proc/self/io` did not hold the counters ``ProcessIO`` reads.
public struct ProcessIOUnreadable: Error, CustomStringConvertible {
    public var text: String

    public var description: String { "/proc/<pid>/io holds no rchar, wchar, read_bytes, write_bytes and cancelled_write_bytes: \(text)" }
}

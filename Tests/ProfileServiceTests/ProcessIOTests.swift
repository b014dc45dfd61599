import Foundation
import TestSupport
import Testing

/// `ProcessIO`, the benchmark's reading of `/proc/<pid>/io`.
@Suite("process I/O counters")
struct ProcessIOTests {
    @Test func itReadsTheCountersOfTheKernelsFormatAndSubtractsThem() throws {
        let text = """
            rchar: 20712
            wchar: 19321
            syscr: 41
            syscw: 12
            read_bytes: 1638400
            write_bytes: 17408000
            cancelled_write_bytes: 4096

            """
        let io = try #require(ProcessIO(procText: text))
        #expect(
            io == ProcessIO(rchar: 20712, wchar: 19321, readBytes: 1_638_400, writeBytes: 17_408_000, cancelledWriteBytes: 4096))
        let earlier = ProcessIO(rchar: 712, wchar: 321, readBytes: 400, writeBytes: 8000, cancelledWriteBytes: 0)
        #expect(
            io.since(earlier)
                == ProcessIO(rchar: 20000, wchar: 19000, readBytes: 1_638_000, writeBytes: 17_400_000, cancelledWriteBytes: 4096))
    }

    @Test func aFileWithoutOneOfTheCountersIsNotRead() {
        #expect(ProcessIO(procText: "rchar: 1\nwchar: 2\nread_bytes: 3\nwrite_bytes: 4\n") == nil)
        #expect(ProcessIO(procText: "rchar: 1\nwchar: x\nread_bytes: 3\nwrite_bytes: 4\ncancelled_write_bytes: 0\n") == nil)
    }

    @Test func thisProcessesWritesShowInItsCounters() throws {
        let before = try ProcessIO.current()
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("process-io-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: file) }
        try Data(count: 1 << 20).write(to: file)
        let written = try ProcessIO.current().since(before)
        #expect(written.wchar >= 1 << 20, "\(written)")
    }
}

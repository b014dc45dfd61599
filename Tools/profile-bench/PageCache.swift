import Foundation

/// The kernel's page cache, emptied for `--cold`: the drain then starts as on a host whose memory did not keep the
/// database file, reading from the disk every page it touches first.
enum PageCache {
    static let control = "/proc/sys/vm/drop_caches"

    /// Why this process cannot drop the page cache, or nil when it can (it is root and `control` is writable).
    static var whyNotDroppable: String? {
        guard geteuid() == 0 else {
            return "--cold drops the page cache through \(control), which only root may write; this runs as uid \(geteuid())"
        }
        guard access(control, W_OK) == 0 else { return "--cold: \(control) is not writable here: \(String(cString: strerror(errno)))" }
        return nil
    }

    /// Writes every dirty page back (`sync`), so that all can be dropped, then drops the clean page cache, dentries
    /// and inodes (`echo 3 > /proc/sys/vm/drop_caches`): the whole machine's, not only the database's.
    static func drop() throws {
        if let whyNotDroppable { throw BenchmarkFailure(whyNotDroppable) }
        sync()
        let descriptor = open(control, O_WRONLY)
        guard descriptor >= 0 else { throw BenchmarkFailure("--cold: cannot open \(control): \(String(cString: strerror(errno)))") }
        defer { close(descriptor) }
        guard write(descriptor, "3\n", 2) == 2 else {
            throw BenchmarkFailure("--cold: writing \(control) failed: \(String(cString: strerror(errno)))")
        }
    }
}

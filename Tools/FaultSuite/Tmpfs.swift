import Foundation
import TestSupport

#if canImport(Glibc)
    import Glibc
#endif

/// A small tmpfs, to fill a disk for real: mounted at a directory, grown or shrunk with `remount`.
/// Needs the right to mount (root, or CAP_SYS_ADMIN); ``mount(at:sizeKiB:)`` returns nil without it.
struct Tmpfs: Sendable {
    let directory: URL

    static func mount(at directory: URL, sizeKiB: Int) -> Tmpfs? {
        try? FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        guard run(["-t", "tmpfs", "-o", "size=\(sizeKiB)k", "tmpfs", directory.path]) else { return nil }
        return Tmpfs(directory: directory)
    }

    /// Changes the size; fails when smaller than what is used.
    @discardableResult
    func resize(kiB: Int) -> Bool {
        Self.run(["-o", "remount,size=\(kiB)k", directory.path])
    }

    /// KiB in use.
    var usedKiB: Int {
        var stats = statvfs()
        guard statvfs(directory.path, &stats) == 0 else { return 0 }
        return Int(stats.f_blocks - stats.f_bfree) * Int(stats.f_frsize) / 1024
    }

    func unmount() {
        _ = try? ChildProcess.run(URL(fileURLWithPath: "/bin/umount"), ["-l", directory.path])
    }

    private static func run(_ arguments: [String]) -> Bool {
        (try? ChildProcess.run(URL(fileURLWithPath: "/bin/mount"), arguments))?.status == 0
    }
}

import Foundation

/// The kernel's page cache for one file, as tests see it: which of its pages are in memory, and dropping them.
enum PageCache {
    /// Writes the file out and drops its pages from the page cache (no root needed: only this file's clean pages).
    static func evict(_ path: String) throws {
        let descriptor = open(path, O_RDONLY)
        guard descriptor >= 0 else { throw POSIXError(.init(rawValue: errno) ?? .EIO) }
        defer { close(descriptor) }
        guard fsync(descriptor) == 0 else { throw POSIXError(.init(rawValue: errno) ?? .EIO) }
        let status = posix_fadvise(descriptor, 0, 0, POSIX_FADV_DONTNEED)
        guard status == 0 else { throw POSIXError(.init(rawValue: status) ?? .EIO) }
    }

    /// The numbers of the file's pages in memory, counted from 1 as SQLite numbers its pages (of the kernel's size).
    static func residentPages(of path: String) throws -> Set<Int> {
        let descriptor = open(path, O_RDONLY)
        guard descriptor >= 0 else { throw POSIXError(.init(rawValue: errno) ?? .EIO) }
        defer { close(descriptor) }
        var status = stat()
        guard fstat(descriptor, &status) == 0 else { throw POSIXError(.init(rawValue: errno) ?? .EIO) }
        let size = Int(status.st_size)
        guard size > 0 else { return [] }
        // Mapping a file reads none of it; mincore says which of the mapped pages are in memory.
        guard let mapping = mmap(nil, size, PROT_READ, MAP_SHARED, descriptor, 0), mapping != MAP_FAILED else {
            throw POSIXError(.init(rawValue: errno) ?? .EIO)
        }
        defer { munmap(mapping, size) }
        let pageSize = Int(sysconf(Int32(_SC_PAGESIZE)))
        var inMemory = [UInt8](repeating: 0, count: (size + pageSize - 1) / pageSize)
        guard mincore(mapping, size, &inMemory) == 0 else { throw POSIXError(.init(rawValue: errno) ?? .EIO) }
        return Set(inMemory.indices.filter { inMemory[$0] & 1 == 1 }.map { $0 + 1 })
    }
}

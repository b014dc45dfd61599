import CMalloc
import Foundation

/// The process's allocator arenas, set by each executable at its start.
///
/// glibc's allocator gives each thread that allocates while another does an arena of its own, up to eight per
/// core, and memory freed in one arena is not reused by the others. The worker's batches are allocated on one
/// thread (the consumer's) and freed on another (the database writer's), across several Swift concurrency
/// threads: with the default, the benchmark's peak RSS was ~20 MB higher (187 MB against 167). Two arenas
/// keep contention low on the two stages and the memory where it is reused.
public enum MallocArenas {
    /// Caps the arenas at `count`, unless the operator chose with `MALLOC_ARENA_MAX`. Call before any thread
    /// starts.
    public static func limit(to count: Int32) {
        guard ProcessInfo.processInfo.environment["MALLOC_ARENA_MAX"] == nil else { return }
        _ = mallopt(M_ARENA_MAX, count)
    }
}

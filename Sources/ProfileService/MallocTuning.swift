import CMalloc
import Foundation

/// glibc's allocator, tuned by each executable at its start, before any thread starts. Each setting is left alone
/// when the operator chose it with glibc's own environment variable.
public enum MallocTuning {
    /// Arenas (`MALLOC_ARENA_MAX`). glibc gives each thread that allocates while another does an arena of its own, up
    /// to eight per core, and memory freed in one arena is not reused by the others. The worker's batches are allocated
    /// on one thread (the consumer's) and freed on another (the database writer's), across several Swift concurrency
    /// threads: with the default, the benchmark's peak RSS was ~20 MB higher (187 MB against 167). Two arenas keep
    /// contention low on the two stages and the memory where it is reused.
    public static let arenas: Int32 = 2

    /// Blocks this large or larger are mapped of their own and unmapped when freed (`MALLOC_MMAP_THRESHOLD_`): a
    /// batch's arrays, the filters' segments, librdkafka's fetched messages. glibc's default starts there but raises
    /// the threshold to the size of each mapped block freed, up to 32 MiB, after which such blocks come from the heap,
    /// where they fragment it and their pages stay resident between batches. Fixed at 128 KiB, the 1M-event drain's
    /// peak RSS was 137–145 MB against 157–162, at the same events/s.
    public static let mmapThresholdBytes: Int32 = 128 * 1024

    /// Applies the settings the environment does not set.
    public static func apply() {
        let environment = ProcessInfo.processInfo.environment
        if environment["MALLOC_ARENA_MAX"] == nil { _ = mallopt(M_ARENA_MAX, arenas) }
        if environment["MALLOC_MMAP_THRESHOLD_"] == nil { _ = mallopt(M_MMAP_THRESHOLD, mmapThresholdBytes) }
    }
}

#if canImport(Glibc)
    import Glibc
#endif

/// Small statistics for the benchmark's report.
enum BenchmarkStatistics {
    /// The `p`-th percentile (0...100) of `values`, nearest rank; 0 for none.
    static func percentile<T: Comparable & Numeric>(_ p: Double, of sorted: [T]) -> T {
        guard !sorted.isEmpty else { return 0 }
        let rank = Int((p / 100 * Double(sorted.count)).rounded(.up))
        return sorted[min(max(rank, 1), sorted.count) - 1]
    }

    /// This process's peak resident set size so far, in MiB (`getrusage`'s `ru_maxrss`).
    static var peakRSSMiB: Double {
        var usage = rusage()
        getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
        return Double(usage.ru_maxrss) / 1024
    }
}

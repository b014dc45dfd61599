import Foundation
import ProfileService
import ProfileStorage

/// Erasure records in the benchmark's store before the drain, through the store's own erasure: with them present,
/// every new event's user is looked up among the erased (`--erased-users`).
enum BenchmarkErasures {
    /// Erases `count` random user ids (none of the workload's) in the store `base` names, at `databasePath` for
    /// SQLite; returns the seconds it took.
    static func record(_ count: Int, base: ServiceConfiguration, databasePath: String) async throws -> Double {
        var configuration = base
        configuration.databasePath = databasePath
        let started = ContinuousClock.now
        let store = try StoreOpening.open(configuration)
        try await store.whileRunning {
            for _ in 0..<count {
                _ = try await store.erase(userID: "erased-\(UUID().uuidString.lowercased())", sources: .all, dryRun: false)
            }
        }
        return (ContinuousClock.now - started).inSeconds
    }
}

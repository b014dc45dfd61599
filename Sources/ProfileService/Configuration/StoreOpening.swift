import Logging
import ProfileStorage
import ProfileStoragePostgres
import ProfileStorageSQLite

/// Opens the store the configuration names, for the daemon, the tools and the benchmark alike.
public enum StoreOpening {
    /// PostgreSQL at `PROFILE_DB_URL` when it is set (connected and migrated in the background: an unreachable
    /// server is not a start failure), else the SQLite database at `PROFILE_DB_PATH`, created and migrated now.
    ///
    /// - Throws: ``StartupError`` naming the setting: `unavailable` (exit 69) when the SQLite file cannot be opened,
    ///   `configuration` (exit 78) when `PROFILE_ERASURE_KEY` is not the key of the erasure records it holds.
    public static func open(_ configuration: ServiceConfiguration) throws(StartupError) -> any ProfileStore {
        if let postgres = configuration.postgres {
            return PostgresProfileStore(
                settings: postgres, erasureKey: configuration.erasureKey, logger: configuration.logger("profile-svc.database"))
        }
        do {
            return try SQLiteProfileStore(
                path: configuration.databasePath, options: configuration.database, erasureKey: configuration.erasureKey)
        } catch let mismatch as ErasureKeyMismatch {
            throw StartupError(.configuration, mismatch.description)
        } catch {
            throw StartupError(.unavailable, "PROFILE_DB_PATH: cannot open the database at \(configuration.databasePath): \(error)")
        }
    }
}

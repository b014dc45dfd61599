import Logging
import ProfileStorage
import ProfileStoragePostgres
import ProfileStorageSQLite

/// Opens the store the configuration names, for the daemon, the tools and the benchmark alike.
public enum StoreOpening {
    /// PostgreSQL at `PROFILE_DB_URL` when it is set (connected and migrated in the background: an unreachable
    /// server is not a start failure), else the SQLite database at `PROFILE_DB_PATH`, created and migrated now.
    ///
    /// - Throws: ``StartupError`` (`unavailable`, exit 69) naming the setting, when the SQLite file cannot be opened.
    public static func open(_ configuration: ServiceConfiguration) throws(StartupError) -> any ProfileStore {
        if let postgres = configuration.postgres {
            return PostgresProfileStore(settings: postgres, logger: configuration.logger("profile-svc.database"))
        }
        do {
            return try SQLiteProfileStore(path: configuration.databasePath, options: configuration.database)
        } catch {
            throw StartupError(.unavailable, "PROFILE_DB_PATH: cannot open the database at \(configuration.databasePath): \(error)")
        }
    }
}

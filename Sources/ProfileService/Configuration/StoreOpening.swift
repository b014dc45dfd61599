import ProfileStore

/// Opens the store the configuration names, for the daemon and the tools alike.
enum StoreOpening {
    /// The SQLite database at `PROFILE_DB_PATH`, created and migrated if needed.
    ///
    /// - Throws: ``StartupError`` (`unavailable`, exit 69) naming the setting, when it cannot be opened.
    static func open(_ configuration: ServiceConfiguration) throws(StartupError) -> any ProfileStorage {
        do {
            return try ProfileDatabase(path: configuration.databasePath, options: configuration.database)
        } catch {
            throw StartupError(.unavailable, "PROFILE_DB_PATH: cannot open the database at \(configuration.databasePath): \(error)")
        }
    }
}

import Kafka
import ProfileStorage
import ProfileStorageSQLite

/// What this build is and what it runs with: for `profile-svc --version`, the `profile_build_info` metric and
/// the start-up log line.
public enum BuildInfo {
    /// profile-svc's own version.
    public static let version = "0.3.0"
    /// The linked librdkafka, e.g. `2.0.2`.
    public static var librdkafka: String { KafkaLibraryVersion.linked.description }
    /// The linked SQLite, e.g. `3.40.1`.
    public static var sqlite: String { SQLiteLibrary.version }

    /// `profile-svc 0.3.0 (librdkafka 2.0.2, SQLite 3.40.1)`.
    public static var summary: String { "profile-svc \(version) (librdkafka \(librdkafka), SQLite \(sqlite))" }
}

import Foundation

/// A fresh directory under the system's temporary directory, removed when the last reference goes.
final class TemporaryDirectory: Sendable {
    let path: String

    init() throws {
        path = FileManager.default.temporaryDirectory.appendingPathComponent("profile-store-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    /// The path of the database file inside it.
    var databasePath: String { path + "/profiles.sqlite" }

    deinit {
        try? FileManager.default.removeItem(atPath: path)
    }
}

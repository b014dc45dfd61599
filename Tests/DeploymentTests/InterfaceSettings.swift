import ProfileService

/// The configuration variables of the public interface, read from docs/interface.md's "Settings" table, and what the
/// loader makes of names.
enum InterfaceSettings {
    /// The variables docs/interface.md lists, but for the `KAFKA_PROP_<NAME>` pattern (``passthroughPrefix``).
    static var variables: Set<String> {
        get throws {
            Set(try MarkdownTable.firstColumn(ofSection: "Settings", in: RepositoryFile.text("docs/interface.md")))
                .filter { !$0.hasPrefix(passthroughPrefix) }
        }
    }

    static let passthroughPrefix = "KAFKA_PROP_"

    static func isAllowed(_ name: String) throws -> Bool {
        try variables.contains(name) || name.hasPrefix(passthroughPrefix)
    }

    /// Whether ``ConfigurationLoader`` reads `name`: every setting it reads rejects an empty value or one that is
    /// no value of it at all with an error naming the setting (`OTEL_*` ones take empty for unset, as OpenTelemetry
    /// says), while a name it does not know is ignored.
    static func loaderReads(_ name: String) -> Bool {
        ["", "\u{1}not a value"].contains { (value: String) -> Bool in
            do {
                _ = try ConfigurationLoader.load(environment: [name: value], file: RepositoryFile.url("config/profile-svc.env").path)
                return false
            } catch let error as ConfigurationError {
                return error.setting == name
            } catch {
                return false
            }
        }
    }
}

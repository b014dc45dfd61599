import ProfileService

/// The configuration variables the contract names (CONTRACT.md, "Configuration"), and what the loader makes of names.
enum ContractSettings {
    /// The contract's variables. `KAFKA_PROP_*` variables are allowed besides these.
    static let variables: Set<String> = [
        "KAFKA_BOOTSTRAP_SERVERS", "KAFKA_GROUP_ID", "KAFKA_GROUP_INSTANCE_ID", "KAFKA_CLIENT_ID", "USER_REGISTERED_TOPIC",
        "KAFKA_USER_CREATED_TOPIC", "PROFILE_DLQ_TOPIC", "PROFILE_DB_PATH", "PROFILE_DB_URL", "HTTP_HOST", "HTTP_PORT",
        "PROFILE_API_TOKEN", "LOG_LEVEL",
    ]

    static let passthroughPrefix = "KAFKA_PROP_"

    static func isAllowed(_ name: String) -> Bool {
        variables.contains(name) || name.hasPrefix(passthroughPrefix)
    }

    /// Whether ``ConfigurationLoader`` reads `name`: every setting it reads rejects an empty value with an
    /// error naming the setting, while a name it does not know is ignored.
    static func loaderReads(_ name: String) -> Bool {
        do {
            _ = try ConfigurationLoader.load(environment: [name: ""], file: RepositoryFile.url("config/profile-svc.env").path)
            return false
        } catch {
            return error.setting == name
        }
    }
}

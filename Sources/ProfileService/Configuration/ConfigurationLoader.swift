import Foundation
import Logging
import ProfileCore
import ProfileStoragePostgres

/// Reads ``ServiceConfiguration`` from environment variables, over an optional `KEY=VALUE` file.
///
/// The environment wins over the file; both use the same names (`HTTP_PORT`, `KAFKA_PROP_*`, ...).
/// Every bad value is reported as a ``ConfigurationError`` naming its setting; a name it does not read (a
/// typo in the file, or a `PROFILE_*` variable it does not know) becomes a ``ConfigurationWarning``.
public enum ConfigurationLoader {
    /// The file read when no `--config` is given, relative to the working directory; missing is fine.
    public static let defaultFile = "config/profile-svc.env"

    /// Loads the configuration. `file`, when given, must exist; the default file is read if present.
    public static func load(environment: [String: String], file: String?) throws(ConfigurationError) -> ServiceConfiguration {
        let path = file ?? defaultFile
        let fromFile = try EnvironmentFile.read(path: path, required: file != nil)
        var configuration = try build(from: SettingsReader(fromFile.merging(environment) { _, fromEnvironment in fromEnvironment }))
        configuration.warnings = UnknownSetting.warnings(
            for: Set(fromFile.keys).union(environment.keys.filter { $0.hasPrefix("PROFILE_") }), file: path, inFile: Set(fromFile.keys))
        return configuration
    }

    private static func build(from reader: SettingsReader) throws(ConfigurationError) -> ServiceConfiguration {
        var configuration = ServiceConfiguration()
        configuration.kafka.bootstrapServers = try reader.nonEmpty(.kafkaBootstrapServers, default: configuration.kafka.bootstrapServers)
        configuration.kafka.groupID = try reader.nonEmpty(.kafkaGroupID, default: configuration.kafka.groupID)
        configuration.kafka.clientID = try reader.nonEmpty(.kafkaClientID, default: configuration.kafka.clientID)
        configuration.kafka.userRegisteredTopic = try reader.topic(.userRegisteredTopic, default: configuration.kafka.userRegisteredTopic)
        configuration.kafka.userCreatedTopic = try reader.topic(.userCreatedTopic, default: configuration.kafka.userCreatedTopic)
        configuration.kafka.deadLetterTopic = try reader.topic(.deadLetterTopic, default: configuration.kafka.deadLetterTopic)
        let topics: [(Setting, String)] = [
            (.userRegisteredTopic, configuration.kafka.userRegisteredTopic),
            (.userCreatedTopic, configuration.kafka.userCreatedTopic),
            (.deadLetterTopic, configuration.kafka.deadLetterTopic),
        ]
        for (index, (setting, topic)) in topics.enumerated() {
            // Name a setting the operator gave: the one of the pair that is not left at its default.
            guard let other = topics[(index + 1)...].first(where: { $0.1 == topic })?.0 else { continue }
            let named = reader.raw(other) != nil ? other : setting
            throw ConfigurationError(
                setting: named.rawValue,
                reason: "'\(topic)' is also \(named == other ? setting.rawValue : other.rawValue); "
                    + "the two source topics and the DLQ topic must be three different topics")
        }
        configuration.kafka.passthrough = try KafkaSettings.passthrough(from: reader.passthrough)
        configuration.kafka.groupInstanceID = try reader.groupInstanceID(passthrough: configuration.kafka.passthrough)
        configuration.databasePath = try reader.nonEmpty(.databasePath, default: configuration.databasePath)
        configuration.database.synchronous = try reader.oneOf(
            .databaseSynchronous, ["NORMAL", "FULL"], default: configuration.database.synchronous)
        configuration.postgres = try reader.postgres()
        let readTimeout = try reader.databaseReadTimeout(default: configuration.database.readTimeout)
        configuration.database.readTimeout = readTimeout
        configuration.postgres?.readTimeout = readTimeout
        configuration.http.host = try reader.nonEmpty(.httpHost, default: configuration.http.host)
        configuration.http.port = try reader.integer(.httpPort, in: 0...65535, default: configuration.http.port)
        if let token = reader.raw(.apiToken) {
            guard !token.trimmingCharacters(in: .whitespaces).isEmpty else {
                throw ConfigurationError(setting: Setting.apiToken.rawValue, reason: "is set but empty; unset it to disable authentication")
            }
            configuration.http.apiToken = token
        }
        configuration.erasureKey = try reader.erasureKey()
        configuration.maxMessageBytes = try reader.integer(.maxMessageBytes, in: 1...(64 << 20), default: configuration.maxMessageBytes)
        configuration.worker.maxBatchSize = try reader.integer(.maxBatchSize, in: 1...100_000, default: configuration.worker.maxBatchSize)
        configuration.ledgerRetention = try reader.ledgerRetention()
        let level = try reader.oneOf(.logLevel, Logger.Level.allCases.map(\.rawValue), default: configuration.logLevel.rawValue)
        configuration.logLevel = Logger.Level(rawValue: level)!
        configuration.tracing = try reader.tracing()
        return configuration
    }
}

/// Typed access to raw settings by ``Setting``, each failure naming its setting.
struct SettingsReader {
    private let settings: [String: String]

    init(_ settings: [String: String]) {
        self.settings = settings
    }

    func raw(_ setting: Setting) -> String? {
        settings[setting.rawValue]
    }

    /// The `KAFKA_PROP_*` settings.
    var passthrough: [String: String] {
        settings.filter { $0.key.hasPrefix(KafkaSettings.propertyPrefix) }
    }

    func nonEmpty(_ setting: Setting, default value: String) throws(ConfigurationError) -> String {
        guard let text = raw(setting) else { return value }
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        guard !trimmed.isEmpty else { throw ConfigurationError(setting: setting.rawValue, reason: "must not be empty") }
        return trimmed
    }

    /// A Kafka topic name: 1 to 249 of `[a-zA-Z0-9._-]`.
    func topic(_ setting: Setting, default value: String) throws(ConfigurationError) -> String {
        let topic = try nonEmpty(setting, default: value)
        guard Self.isKafkaName(topic) else {
            throw ConfigurationError(setting: setting.rawValue, reason: "'\(topic)' is not a valid Kafka topic name")
        }
        return topic
    }

    /// `KAFKA_GROUP_INSTANCE_ID`: unset, or a name the broker accepts (the rules of topic names). The same
    /// property passed through as `KAFKA_PROP_GROUP_INSTANCE_ID` would also reach the DLQ tools, whose short
    /// runs must not hold partitions as static members, so two ways of saying it are refused.
    func groupInstanceID(passthrough: [String: String]) throws(ConfigurationError) -> String? {
        let name = Setting.kafkaGroupInstanceID.rawValue
        guard let text = raw(.kafkaGroupInstanceID) else { return nil }
        let id = text.trimmingCharacters(in: .whitespaces)
        guard !id.isEmpty else {
            throw ConfigurationError(setting: name, reason: "is set but empty; unset it for dynamic group membership")
        }
        guard Self.isKafkaName(id) else {
            throw ConfigurationError(setting: name, reason: "'\(id)' is not a valid group.instance.id (1 to 249 of a-z A-Z 0-9 . _ -)")
        }
        guard passthrough["group.instance.id"] == nil else {
            throw ConfigurationError(
                setting: name, reason: "is also given as KAFKA_PROP_GROUP_INSTANCE_ID; set only KAFKA_GROUP_INSTANCE_ID")
        }
        return id
    }

    /// What Kafka accepts as a topic name or a `group.instance.id`: 1 to 249 of `[a-zA-Z0-9._-]`, not `.` or `..`.
    private static func isKafkaName(_ text: String) -> Bool {
        let allowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-")
        return text.count <= 249 && text.allSatisfy(allowed.contains) && text != "." && text != ".."
    }

    /// `PROFILE_DB_URL`, with the password of `PROFILE_DB_PASSWORD_FILE` when that is set; nil when the URL is not.
    func postgres() throws(ConfigurationError) -> PostgresSettings? {
        let passwordFile = raw(.databasePasswordFile)
        guard let text = raw(.databaseURL) else {
            guard passwordFile == nil else {
                throw ConfigurationError(setting: Setting.databasePasswordFile.rawValue, reason: "is set but PROFILE_DB_URL is not")
            }
            return nil
        }
        var settings: PostgresSettings
        do {
            settings = try PostgresSettings(url: text)
        } catch {
            throw ConfigurationError(setting: Setting.databaseURL.rawValue, reason: error.reason)
        }
        if let passwordFile {
            let path = passwordFile.trimmingCharacters(in: .whitespaces)
            guard let contents = FileManager.default.contents(atPath: path), let password = String(data: contents, encoding: .utf8) else {
                throw ConfigurationError(setting: Setting.databasePasswordFile.rawValue, reason: "cannot read '\(path)'")
            }
            settings.password = password.trimmingCharacters(in: .newlines)
        }
        return settings
    }

    /// `PROFILE_ERASURE_KEY`: nil when unset, else its UTF-8 bytes (at least ``ErasureKey/minimumBytes``). The
    /// value is never part of an error.
    func erasureKey() throws(ConfigurationError) -> ErasureKey? {
        guard let text = raw(.erasureKey) else { return nil }
        let bytes = Data(text.trimmingCharacters(in: .whitespacesAndNewlines).utf8)
        guard ErasureKey.isLongEnough(bytes) else {
            throw ConfigurationError(
                setting: Setting.erasureKey.rawValue,
                reason: "is \(bytes.count) bytes long; it needs at least \(ErasureKey.minimumBytes) (openssl rand -base64 32), "
                    + "or unset it for a key the database keeps")
        }
        return ErasureKey(bytes: bytes)
    }

    /// The shortest `PROFILE_LEDGER_RETENTION`: the ledger records the hour of each entry.
    static let minimumLedgerRetention: Duration = .seconds(3600)

    /// `PROFILE_LEDGER_RETENTION`: nil when unset or `off`, else a length of time (``AgeText``) of at least an hour.
    func ledgerRetention() throws(ConfigurationError) -> Duration? {
        guard let text = raw(.ledgerRetention) else { return nil }
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        if trimmed.caseInsensitiveCompare("off") == .orderedSame { return nil }
        let name = Setting.ledgerRetention.rawValue
        guard let retention = AgeText.parse(trimmed) else {
            throw ConfigurationError(setting: name, reason: "'\(text)' is not off or a length of time such as 30d, 720h or 90m")
        }
        guard retention >= Self.minimumLedgerRetention else {
            throw ConfigurationError(setting: name, reason: "'\(text)' is shorter than the minimum, 1h")
        }
        return retention
    }

    /// The bounds of `PROFILE_DB_READ_TIMEOUT`.
    static let databaseReadTimeouts: ClosedRange<Duration> = .milliseconds(10) ... .seconds(60)

    /// `PROFILE_DB_READ_TIMEOUT`: a length of time (``AgeText``) within ``databaseReadTimeouts``.
    func databaseReadTimeout(default value: Duration) throws(ConfigurationError) -> Duration {
        guard let text = raw(.databaseReadTimeout) else { return value }
        let bounds = Self.databaseReadTimeouts
        guard let timeout = AgeText.parse(text.trimmingCharacters(in: .whitespaces)), bounds.contains(timeout) else {
            throw ConfigurationError(
                setting: Setting.databaseReadTimeout.rawValue,
                reason: "'\(text)' is not a length of time from \(AgeText.format(bounds.lowerBound)) to "
                    + "\(AgeText.format(bounds.upperBound)), such as 500ms or 2s")
        }
        return timeout
    }

    func integer(_ setting: Setting, in range: ClosedRange<Int>, default value: Int) throws(ConfigurationError) -> Int {
        guard let text = raw(setting) else { return value }
        guard let number = Int(text.trimmingCharacters(in: .whitespaces)), range.contains(number) else {
            throw ConfigurationError(
                setting: setting.rawValue, reason: "'\(text)' is not a whole number from \(range.lowerBound) to \(range.upperBound)")
        }
        return number
    }

    func oneOf(_ setting: Setting, _ choices: [String], default value: String) throws(ConfigurationError) -> String {
        guard let text = raw(setting) else { return value }
        let normalized = text.trimmingCharacters(in: .whitespaces)
        guard let match = choices.first(where: { $0.caseInsensitiveCompare(normalized) == .orderedSame }) else {
            throw ConfigurationError(setting: setting.rawValue, reason: "'\(text)' is not one of \(choices.joined(separator: ", "))")
        }
        return match
    }
}

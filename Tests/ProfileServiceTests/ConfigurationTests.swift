import Foundation
import Kafka
import Logging
import ProfileCore
import ProfileService
import Testing

/// Configuration from the environment over a file: the documented defaults, overrides, and one-line errors
/// that name the setting. Pure: no Kafka, no network.
@Suite("Configuration", .timeLimit(.minutes(1)))
struct ConfigurationTests {
    /// A `KEY=VALUE` file in a directory of its own, removed when the test's value goes.
    final class ConfigFile: Sendable {
        let directory: String
        let path: String

        init(_ text: String = "") throws {
            directory = FileManager.default.temporaryDirectory.appendingPathComponent("config-\(UUID().uuidString)").path
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            path = directory + "/profile-svc.env"
            try text.write(toFile: path, atomically: true, encoding: .utf8)
        }

        deinit {
            try? FileManager.default.removeItem(atPath: directory)
        }
    }

    /// Loads with `environment` over an empty file, so a `config/profile-svc.env` in the working directory plays no part.
    private func load(_ environment: [String: String]) throws(ConfigurationError) -> ServiceConfiguration {
        let empty: ConfigFile
        do { empty = try ConfigFile() } catch { fatalError("cannot write a temporary file: \(error)") }
        return try ConfigurationLoader.load(environment: environment, file: empty.path)
    }

    /// The setting a failed load names.
    private func failingSetting(_ environment: [String: String]) -> String? {
        do {
            _ = try load(environment)
            return nil
        } catch {
            return error.setting
        }
    }

    @Test func defaultsAreTheContractsTable() throws {
        let configuration = try load([:])
        #expect(configuration.kafka.bootstrapServers == "localhost:29092")
        #expect(configuration.kafka.groupID == "profile-svc")
        #expect(configuration.kafka.clientID == "profile-svc")
        #expect(configuration.kafka.userRegisteredTopic == "user.registered.v1")
        #expect(configuration.kafka.userCreatedTopic == "user.created")
        #expect(configuration.kafka.deadLetterTopic == "profile-svc.dlq")
        #expect(configuration.kafka.passthrough.isEmpty)
        #expect(configuration.databasePath == "data/profiles.sqlite")
        #expect(configuration.http.host == "127.0.0.1")
        #expect(configuration.http.port == 8007)
        #expect(configuration.http.apiToken == nil)
        #expect(configuration.logLevel == .info)
        #expect(configuration.maxMessageBytes == 1 << 20)
        #expect(configuration.ledgerRetention == nil)
        #expect(configuration.database.readTimeout == .milliseconds(800))
    }

    @Test func everyContractVariableIsRead() throws {
        let configuration = try load([
            "KAFKA_BOOTSTRAP_SERVERS": "kafka-1:9092,kafka-2:9092", "KAFKA_GROUP_ID": "group-x", "KAFKA_CLIENT_ID": "client-x",
            "USER_REGISTERED_TOPIC": "a.registered", "KAFKA_USER_CREATED_TOPIC": "b.created", "PROFILE_DLQ_TOPIC": "c.dlq",
            "PROFILE_DB_PATH": "/var/lib/profiles/db.sqlite", "HTTP_HOST": "0.0.0.0", "HTTP_PORT": "9090",
            "PROFILE_API_TOKEN": "t0ken", "LOG_LEVEL": "DEBUG", "PROFILE_MAX_MESSAGE_BYTES": "2048",
        ])
        #expect(configuration.kafka.bootstrapServers == "kafka-1:9092,kafka-2:9092")
        #expect(configuration.kafka.groupID == "group-x")
        #expect(configuration.kafka.clientID == "client-x")
        #expect(configuration.kafka.sourceTopics == ["a.registered": .userRegisteredV1, "b.created": .userCreated])
        #expect(configuration.kafka.deadLetterTopic == "c.dlq")
        #expect(configuration.databasePath == "/var/lib/profiles/db.sqlite")
        #expect(configuration.http.host == "0.0.0.0")
        #expect(configuration.http.port == 9090)
        #expect(configuration.http.apiToken == "t0ken")
        #expect(configuration.logLevel == .debug)
        #expect(configuration.maxMessageBytes == 2048)
    }

    @Test func theEnvironmentWinsOverTheFile() throws {
        let file = try ConfigFile(
            """
            # comment lines and blank lines are skipped

            HTTP_PORT=9001
            KAFKA_GROUP_ID = "from-file"
            LOG_LEVEL='warning'
            KAFKA_PROP_SESSION_TIMEOUT_MS=7000
            """)
        let configuration = try ConfigurationLoader.load(
            environment: ["HTTP_PORT": "9002", "KAFKA_PROP_SESSION_TIMEOUT_MS": "6000"],
            file: file.path)
        #expect(configuration.http.port == 9002)
        #expect(configuration.kafka.groupID == "from-file")
        #expect(configuration.logLevel == .warning)
        #expect(configuration.kafka.passthrough == ["session.timeout.ms": "6000"])
    }

    /// docker-compose's `env_file` rules (Docker's "Syntax for environment files in Docker Compose"), with the
    /// examples of that page, read through a pass-through property that keeps its value verbatim.
    @Test(arguments: [
        (#"KAFKA_PROP_X=VAL"#, "VAL"), (#"KAFKA_PROP_X="VAL""#, "VAL"), (#"KAFKA_PROP_X='VAL'"#, "VAL"),
        (#"KAFKA_PROP_X=VAL # comment"#, "VAL"), (#"KAFKA_PROP_X=VAL# not a comment"#, "VAL# not a comment"),
        (#"KAFKA_PROP_X="VAL # not a comment""#, "VAL # not a comment"), (#"KAFKA_PROP_X="VAL" # comment"#, "VAL"),
        (#"KAFKA_PROP_X='$OTHER'"#, "$OTHER"), (#"KAFKA_PROP_X='Let\'s go!'"#, "Let's go!"),
        (#"KAFKA_PROP_X="{\"hello\": \"json\"}""#, #"{"hello": "json"}"#), (#"KAFKA_PROP_X="some\tvalue""#, "some\tvalue"),
        (#"KAFKA_PROP_X='some\tvalue'"#, #"some\tvalue"#), (#"KAFKA_PROP_X=some\tvalue"#, #"some\tvalue"#),
        (#"KAFKA_PROP_X="""#, ""), (#"KAFKA_PROP_X="#, ""), (#"  KAFKA_PROP_X = spaced out  "#, "spaced out"),
    ])
    func configFileValuesFollowComposeEnvFileRules(line: String, value: String) throws {
        let file = try ConfigFile(line + "\n")
        #expect(try ConfigurationLoader.load(environment: [:], file: file.path).kafka.passthrough["x"] == value, "\(line)")
    }

    @Test func aConfigFileWithCRLFLineEndingsReadsAsWithLF() throws {
        let text = "# settings\nHTTP_PORT=9001\nKAFKA_GROUP_ID=\"from-file\" # the group\n\nLOG_LEVEL=debug\n"
        let (lfFile, crlfFile) = (try ConfigFile(text), try ConfigFile(text.replacingOccurrences(of: "\n", with: "\r\n")))
        let lf = try ConfigurationLoader.load(environment: [:], file: lfFile.path)
        let crlf = try ConfigurationLoader.load(environment: [:], file: crlfFile.path)
        #expect(crlf.http.port == 9001 && crlf.kafka.groupID == "from-file" && crlf.logLevel == .debug)
        #expect((crlf.http.port, crlf.kafka.groupID, crlf.logLevel) == (lf.http.port, lf.kafka.groupID, lf.logLevel))
    }

    @Test func aBareNameInTheConfigFileSetsNothing() throws {
        let file = try ConfigFile("HTTP_PORT\nLOG_LEVEL=debug\n")
        let configuration = try ConfigurationLoader.load(environment: [:], file: file.path)
        #expect(configuration.http.port == ServiceConfiguration().http.port)
        #expect(configuration.logLevel == .debug)
    }

    @Test(arguments: [#"KAFKA_PROP_X="unterminated"#, #"KAFKA_PROP_X="quoted" trailing"#, "1NAME=value"])
    func aConfigFileValueBreakingTheRulesIsAnErrorNamingTheLine(line: String) throws {
        let file = try ConfigFile("HTTP_PORT=1\n" + line + "\n")
        #expect {
            try ConfigurationLoader.load(environment: [:], file: file.path)
        } throws: { error in
            (error as? ConfigurationError)?.setting == "--config" && "\(error)".contains(":2:")
        }
    }

    @Test func anUnknownNameInTheFileOrAnUnknownProfileVariableIsAWarningWithTheClosestName() throws {
        let file = try ConfigFile("HTTP_PROT=9000\nLOG_LEVEL=debug\nKAFKA_PROP_CLIENT_RACK=r1\n")
        let configuration = try ConfigurationLoader.load(
            environment: ["PROFILE_DB_PAHT": "/tmp/x.sqlite", "PATH": "/usr/bin", "KAFKA_GROUP_ID": "g"], file: file.path)
        #expect(configuration.warnings.map(\.setting) == ["HTTP_PROT", "PROFILE_DB_PAHT"])
        #expect(
            configuration.warnings.first?.message == "in \(file.path) is not a profile-svc setting and is ignored; did you mean HTTP_PORT?")
        #expect(
            configuration.warnings.last?.message
                == "in the environment is not a profile-svc setting and is ignored; did you mean PROFILE_DB_PATH?")
        #expect(configuration.http.port == ServiceConfiguration().http.port, "an unknown name sets nothing")
        #expect(try load(["HTTP_PORT": "1", "KAFKA_PROP_ACKS": "1", "HOME": "/root"]).warnings.isEmpty)
    }

    @Test func aMissingConfigFileIsAnErrorNamingTheOption() throws {
        let directory = try ConfigFile()
        #expect {
            try ConfigurationLoader.load(environment: [:], file: directory.directory + "/absent.env")
        } throws: { error in
            (error as? ConfigurationError)?.setting == "--config" && "\(error)".contains("absent.env")
        }
    }

    @Test func aConfigFileLineWithoutEqualsIsAnErrorNamingTheOptionAndLine() throws {
        let file = try ConfigFile("HTTP_PORT=1\nnot a setting\n")
        #expect {
            try ConfigurationLoader.load(environment: [:], file: file.path)
        } throws: { error in
            (error as? ConfigurationError)?.setting == "--config" && "\(error)".contains(":2:")
        }
    }

    @Test(arguments: ["abc", "70000", "-1", "65536", "", "80 80", "8007.0"])
    func aBadHTTPPortIsAnErrorNamingIt(port: String) {
        #expect(failingSetting(["HTTP_PORT": port]) == "HTTP_PORT")
    }

    @Test(arguments: ["", "   "])
    func anEmptyAPITokenIsAnErrorNamingIt(token: String) {
        #expect(failingSetting(["PROFILE_API_TOKEN": token]) == "PROFILE_API_TOKEN")
    }

    @Test(arguments: ["verbose", "warn", "", "infoo"])
    func anInvalidLogLevelIsAnErrorNamingIt(level: String) {
        #expect(failingSetting(["LOG_LEVEL": level]) == "LOG_LEVEL")
    }

    @Test func everyLogLevelIsAcceptedInAnyCase() throws {
        for level in Logger.Level.allCases {
            #expect(try load(["LOG_LEVEL": level.rawValue.uppercased()]).logLevel == level)
        }
    }

    @Test(arguments: [
        ("KAFKA_BOOTSTRAP_SERVERS", ""), ("KAFKA_GROUP_ID", " "), ("PROFILE_DB_PATH", ""), ("HTTP_HOST", ""),
        ("USER_REGISTERED_TOPIC", "has space"), ("KAFKA_USER_CREATED_TOPIC", ".."), ("PROFILE_DLQ_TOPIC", "dlq/1"),
        ("PROFILE_MAX_MESSAGE_BYTES", "0"), ("PROFILE_MAX_BATCH_SIZE", "many"), ("PROFILE_DB_SYNCHRONOUS", "OFF"),
        ("KAFKA_PROP_", "x"), ("KAFKA_PROP__SESSION", "x"),
    ])
    func otherBadValuesAreErrorsNamingTheirSetting(setting: String, value: String) {
        #expect(failingSetting([setting: value]) == setting)
    }

    @Test func kafkaPropertiesFollowTheConfluentNaming() throws {
        let configuration = try load([
            "KAFKA_PROP_SECURITY_PROTOCOL": "SASL_SSL",
            "KAFKA_PROP_SESSION_TIMEOUT_MS": "6000",
            "KAFKA_PROP_LOG__LEVEL": "7",
            "KAFKA_PROP_SASL_MECHANISMS": "PLAIN",
            "KAFKA_NOT_A_PROP": "ignored",
        ])
        #expect(
            configuration.kafka.passthrough == [
                "security.protocol": "SASL_SSL",
                "session.timeout.ms": "6000",
                "log_level": "7",
                "sasl.mechanisms": "PLAIN",
            ])
    }

    @Test func kafkaPropertiesOverrideTheServicesOwnChoices() throws {
        let kafka = try load([
            "KAFKA_PROP_AUTO_OFFSET_RESET": "latest", "KAFKA_PROP_ACKS": "1",
            "KAFKA_PROP_SESSION_TIMEOUT_MS": "6000",
        ]).kafka
        let consumer = KafkaSettings.consumer(kafka)
        let producer = KafkaSettings.producer(kafka, clientSuffix: "-dlq")
        #expect(consumer["auto.offset.reset"] == "latest")
        #expect(consumer["session.timeout.ms"] == "6000")
        #expect(consumer["group.id"] == "profile-svc")
        #expect(producer["acks"] == "1")
        #expect(producer["client.id"] == "profile-svc-dlq")
        #expect(producer["session.timeout.ms"] == nil)
    }

    @Test func theFetchQueueIsSmallerAndRefetchedSoonerOnALibraryThatCanBeToldTo() throws {
        let kafka = try load([:]).kafka
        let old = KafkaSettings.consumer(kafka, library: KafkaLibraryVersion(major: 2, minor: 0, patch: 2))
        #expect(old["queued.max.messages.kbytes"] == "16384")
        // 2.0 knows no such property: setting it would fail the consumer's creation.
        #expect(old["fetch.queue.backoff.ms"] == nil)
        for library in [KafkaLibraryVersion(major: 2, minor: 2, patch: 0), KafkaLibraryVersion(major: 2, minor: 3, patch: 0)] {
            let consumer = KafkaSettings.consumer(kafka, library: library)
            #expect(consumer["queued.max.messages.kbytes"] == "8192")
            #expect(consumer["fetch.queue.backoff.ms"] == "10")
        }
        let overridden = try load(["KAFKA_PROP_QUEUED_MAX_MESSAGES_KBYTES": "32768", "KAFKA_PROP_FETCH_QUEUE_BACKOFF_MS": "500"]).kafka
        let consumer = KafkaSettings.consumer(overridden, library: KafkaLibraryVersion(major: 2, minor: 3, patch: 0))
        #expect(consumer["queued.max.messages.kbytes"] == "32768")
        #expect(consumer["fetch.queue.backoff.ms"] == "500")
        #expect(KafkaSettings.producer(overridden, clientSuffix: "-dlq")["fetch.queue.backoff.ms"] == nil)
    }

    @Test func aGroupInstanceIDMakesTheWorkerAStaticMemberAndOnlyTheWorker() throws {
        let dynamic = try load([:]).kafka
        #expect(dynamic.groupInstanceID == nil)
        #expect(KafkaSettings.worker(dynamic)["group.instance.id"] == nil)

        let kafka = try load(["KAFKA_GROUP_INSTANCE_ID": " profile-svc-1 "]).kafka
        #expect(kafka.groupInstanceID == "profile-svc-1")
        #expect(KafkaSettings.worker(kafka)["group.instance.id"] == "profile-svc-1")
        #expect(KafkaSettings.worker(kafka)["group.id"] == "profile-svc")
        // The DLQ tools' consumers (their own groups, short runs) stay dynamic members.
        #expect(KafkaSettings.consumer(kafka, groupID: "profile-svc.dlq-reprocess")["group.instance.id"] == nil)
    }

    @Test(arguments: [
        ["KAFKA_GROUP_INSTANCE_ID": ""],
        ["KAFKA_GROUP_INSTANCE_ID": "replica 1"],
        ["KAFKA_GROUP_INSTANCE_ID": String(repeating: "r", count: 250)],
        ["KAFKA_GROUP_INSTANCE_ID": "profile-svc-1", "KAFKA_PROP_GROUP_INSTANCE_ID": "profile-svc-1"],
    ])
    func anUnusableGroupInstanceIDIsAnErrorNamingIt(environment: [String: String]) {
        #expect(failingSetting(environment) == "KAFKA_GROUP_INSTANCE_ID")
    }

    @Test(arguments: [
        ["USER_REGISTERED_TOPIC": "user.created"],
        ["KAFKA_USER_CREATED_TOPIC": "profile-svc.dlq"],
        ["PROFILE_DLQ_TOPIC": "user.registered.v1"],
        ["USER_REGISTERED_TOPIC": "same", "KAFKA_USER_CREATED_TOPIC": "same"],
    ])
    func theSameTopicTwiceIsAnErrorNamingOneOfThem(environment: [String: String]) {
        let setting = failingSetting(environment)
        #expect(setting.map(environment.keys.contains) == true, "named \(setting ?? "nothing")")
    }

    @Test func secretsAreNotInTheLoggableSettings() throws {
        let configuration = try load([
            "PROFILE_API_TOKEN": "api-secret-1", "KAFKA_PROP_SASL_PASSWORD": "sasl-secret-2",
            "KAFKA_PROP_SSL_KEY_PASSWORD": "key-secret-3", "KAFKA_PROP_SSL_CA_LOCATION": "/etc/ca.pem",
        ])
        let logged = "\(configuration.loggable)"
        for secret in ["api-secret-1", "sasl-secret-2", "key-secret-3"] {
            #expect(!logged.contains(secret))
        }
        #expect(logged.contains("/etc/ca.pem"))
        #expect(configuration.loggable["api_token"] == "set")
    }

    @Test(arguments: ["", "   ", "short-secret", String(repeating: "k", count: 31)])
    func anErasureKeyShorterThan32BytesIsAnErrorNamingItWithoutItsValue(key: String) {
        do {
            _ = try load(["PROFILE_ERASURE_KEY": key])
            Issue.record("'\(key)' was accepted")
        } catch {
            #expect(error.setting == "PROFILE_ERASURE_KEY")
            #expect("\(error)".contains("at least 32"))
            #expect(key.trimmingCharacters(in: .whitespaces).isEmpty || !"\(error)".contains(key))
        }
    }

    @Test func anErasureKeyIsUsedAndNeitherLoggedNorShownInTheHelp() throws {
        let key = "erasure-secret-" + String(repeating: "0123456789", count: 3)
        let configuration = try load(["PROFILE_ERASURE_KEY": key])
        #expect(configuration.erasureKey?.bytes == Data(key.utf8))
        #expect(configuration.loggable["erasure_key"] == "set")
        #expect(!"\(configuration.loggable)".contains(key))
        #expect(try load([:]).erasureKey == nil)
        #expect(Setting.helpText.contains("PROFILE_ERASURE_KEY (default: unset)"))
    }

    @Test(arguments: [
        "localhost:5432/db", "mysql://u:p@h/db", "postgres://u:p@/db", "postgres://:p@h/db", "postgres://u:p@h:5432",
        "postgres://u:p@h:70000/db", "postgres://u:p@h/db?sslmode=allow", "postgres://u:p@h/db?timeout=3", "",
    ])
    func aMalformedDatabaseURLIsAnErrorNamingItWithoutThePassword(url: String) {
        do {
            _ = try load(["PROFILE_DB_URL": url])
            Issue.record("'\(url)' was accepted")
        } catch {
            #expect(error.setting == "PROFILE_DB_URL")
            #expect(!"\(error)".contains(":p@"), "\(error)")
        }
    }

    @Test func aDatabaseURLSelectsPostgreSQLWithItsOptionsAndShowsNoPassword() throws {
        let configuration = try load([
            "PROFILE_DB_URL": "postgresql://profile%40svc:pa%3Ass@db.internal:6543/profiles?sslmode=verify-full&application_name=replica-1"
        ])
        let postgres = try #require(configuration.postgres)
        #expect(postgres.user == "profile@svc")
        #expect(postgres.password == "pa:ss")
        #expect(postgres.host == "db.internal")
        #expect(postgres.port == 6543)
        #expect(postgres.database == "profiles")
        #expect(postgres.sslMode == .verifyFull)
        #expect(postgres.applicationName == "replica-1")
        #expect(!"\(configuration.loggable)".contains("pa:ss"))
        #expect(
            configuration.loggable["db_url"]
                == "postgres://profile@svc:***@db.internal:6543/profiles?sslmode=verify-full&application_name=replica-1")
        #expect(configuration.loggable["db_backend"] == "postgresql")
        #expect(try load([:]).postgres == nil, "unset: SQLite")
    }

    @Test func thePasswordFileReplacesTheURLsPasswordAndMustBeReadable() throws {
        let secret = try ConfigFile("from-a-secret\n")
        let configuration = try load(["PROFILE_DB_URL": "postgres://svc:in-url@db/profiles", "PROFILE_DB_PASSWORD_FILE": secret.path])
        #expect(configuration.postgres?.password == "from-a-secret")
        #expect(configuration.postgres?.sslMode == .prefer, "libpq's default")
        #expect(
            failingSetting(["PROFILE_DB_URL": "postgres://svc@db/profiles", "PROFILE_DB_PASSWORD_FILE": "/nonexistent/secret"])
                == "PROFILE_DB_PASSWORD_FILE")
        #expect(failingSetting(["PROFILE_DB_PASSWORD_FILE": secret.path]) == "PROFILE_DB_PASSWORD_FILE", "without a URL it is a mistake")
    }

    @Test(arguments: ["off", "OFF", " Off "])
    func aLedgerRetentionOfOffKeepsEveryEntry(value: String) throws {
        #expect(try load(["PROFILE_LEDGER_RETENTION": value]).ledgerRetention == nil)
    }

    /// Each value, its length in seconds, and how the start-up line shows it (in the largest whole unit).
    @Test(
        arguments: [
            ("30d", 2_592_000, "30d"), ("720h", 2_592_000, "30d"), ("90m", 5_400, "90m"), ("1h", 3_600, "1h"), (" 7d ", 604_800, "7d"),
        ] as [(String, Int64, String)])
    func aLedgerRetentionIsALengthOfTime(value: String, seconds: Int64, shown: String) throws {
        let configuration = try load(["PROFILE_LEDGER_RETENTION": value])
        #expect(configuration.ledgerRetention == .seconds(seconds))
        #expect(configuration.loggable["ledger_retention"] == .string(shown))
    }

    @Test func aLedgerRetentionInTheFileIsReadAndTheEnvironmentWins() throws {
        let file = try ConfigFile("PROFILE_LEDGER_RETENTION=14d\n")
        #expect(try ConfigurationLoader.load(environment: [:], file: file.path).ledgerRetention == .seconds(14 * 86_400))
        #expect(try ConfigurationLoader.load(environment: ["PROFILE_LEDGER_RETENTION": "off"], file: file.path).ledgerRetention == nil)
    }

    @Test(arguments: ["30", "d", "30x", "-1d", "", "1.5d", "30 d", "thirty days", "99999999999999999d"])
    func aBadLedgerRetentionIsAnErrorNamingIt(value: String) {
        #expect(failingSetting(["PROFILE_LEDGER_RETENTION": value]) == "PROFILE_LEDGER_RETENTION")
    }

    @Test(arguments: ["59m", "0h", "3599s", "0d"])
    func aLedgerRetentionShorterThanAnHourIsAnErrorNamingTheMinimum(value: String) {
        do {
            _ = try load(["PROFILE_LEDGER_RETENTION": value])
            Issue.record("\(value) was accepted")
        } catch {
            #expect(error.setting == "PROFILE_LEDGER_RETENTION")
            #expect("\(error)".hasPrefix("PROFILE_LEDGER_RETENTION: ") && "\(error)".contains("minimum, 1h"))
        }
    }

    /// Each value, the deadline it gives, and how the start-up line shows it: one setting, for whichever store is used.
    @Test(arguments: [("1s", 1000, "1s"), ("500ms", 500, "500ms"), (" 2s ", 2000, "2s"), ("1500ms", 1500, "1500ms"), ("1m", 60_000, "1m")])
    func theDatabaseReadTimeoutBoundsBothStores(value: String, milliseconds: Int64, shown: String) throws {
        let sqlite = try load(["PROFILE_DB_READ_TIMEOUT": value])
        #expect(sqlite.database.readTimeout == .milliseconds(milliseconds))
        #expect(sqlite.loggable["db_read_timeout"] == .string(shown))
        let postgres = try load(["PROFILE_DB_READ_TIMEOUT": value, "PROFILE_DB_URL": "postgres://svc@db/profiles"])
        #expect(postgres.postgres?.readTimeout == .milliseconds(milliseconds))
        #expect(postgres.loggable["db_read_timeout"] == .string(shown))
    }

    @Test(arguments: ["1", "s", "-1s", "", "0ms", "9ms", "61s", "2m", "1.5s", "one second", "1 s", "99999999999999999d"])
    func aBadDatabaseReadTimeoutIsAnErrorNamingIt(value: String) {
        do {
            _ = try load(["PROFILE_DB_READ_TIMEOUT": value])
            Issue.record("\(value) was accepted")
        } catch {
            #expect(error.setting == "PROFILE_DB_READ_TIMEOUT")
            #expect("\(error)".hasPrefix("PROFILE_DB_READ_TIMEOUT: '\(value)' is not a length of time from 10ms to 1m"), "\(error)")
        }
    }

    @Test func theBinaryRefusesABadDatabaseReadTimeoutInOneLineWithExitCode78() async throws {
        let result = try await ProfileSvcBinary.run(["run"], environment: ["PROFILE_DB_READ_TIMEOUT": "soon"])
        #expect(result.status == 78)
        let lines = result.stderr.split(separator: "\n")
        #expect(lines.count == 1 && lines[0].contains("PROFILE_DB_READ_TIMEOUT: 'soon' is not a length of time"), "\(result.stderr)")
    }
}

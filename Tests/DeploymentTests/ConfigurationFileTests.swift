import Foundation
import ProfileService
import Testing

/// config/profile-svc.env: the documented defaults, read by the real loader.
@Suite(.timeLimit(.minutes(1)))
struct ConfigurationFileTests {
    let path = RepositoryFile.url("config/profile-svc.env").path

    /// `NAME` of every `NAME=value` line, and of every commented-out `# NAME=value` example.
    func names(commented: Bool) throws -> [String] {
        try RepositoryFile.text("config/profile-svc.env").split(separator: "\n").compactMap { line in
            var setting = line.trimmingCharacters(in: .whitespaces)
            if commented {
                guard setting.hasPrefix("# ") else { return nil }
                setting = String(setting.dropFirst(2))
            }
            guard let equals = setting.firstIndex(of: "="),
                setting[..<equals].allSatisfy({ $0.isUppercase || $0.isNumber || $0 == "_" }), equals != setting.startIndex
            else { return nil }
            return String(setting[..<equals])
        }
    }

    @Test func parsesIntoTheDefaults() throws {
        let loaded = try ConfigurationLoader.load(environment: [:], file: path)
        let defaults = ServiceConfiguration()
        #expect(loaded.kafka.bootstrapServers == defaults.kafka.bootstrapServers)
        #expect(loaded.kafka.groupID == defaults.kafka.groupID)
        #expect(loaded.kafka.clientID == defaults.kafka.clientID)
        #expect(loaded.kafka.userRegisteredTopic == defaults.kafka.userRegisteredTopic)
        #expect(loaded.kafka.userCreatedTopic == defaults.kafka.userCreatedTopic)
        #expect(loaded.kafka.deadLetterTopic == defaults.kafka.deadLetterTopic)
        #expect(loaded.kafka.passthrough.isEmpty, "the KAFKA_PROP_ examples are commented out")
        #expect(loaded.databasePath == defaults.databasePath)
        #expect(loaded.database.synchronous == defaults.database.synchronous)
        #expect(loaded.http.host == defaults.http.host)
        #expect(loaded.http.port == defaults.http.port)
        #expect(loaded.http.apiToken == nil)
        #expect(loaded.maxMessageBytes == defaults.maxMessageBytes)
        #expect(loaded.worker.maxBatchSize == defaults.worker.maxBatchSize)
        #expect(loaded.logLevel == defaults.logLevel)
        #expect(loaded.warnings.isEmpty, "every name in the file is a setting: \(loaded.warnings)")
    }

    @Test func setsEveryDocumentedVariableAndOnlySettingsTheLoaderReads() throws {
        let active = try names(commented: false)
        let examples = try names(commented: true)
        #expect(Set(active).count == active.count, "no setting twice")
        #expect(try InterfaceSettings.variables.subtracting(active + examples).isEmpty)
        for name in active + examples where !name.hasPrefix(InterfaceSettings.passthroughPrefix) {
            #expect(InterfaceSettings.loaderReads(name), "\(name) is read by the configuration loader")
        }
        #expect(examples.contains("PROFILE_API_TOKEN"), "the token is an example: set but empty would be an error")
        #expect(examples.contains("KAFKA_PROP_SECURITY_PROTOCOL"))
    }

    @Test func environmentWinsOverTheFile() throws {
        let loaded = try ConfigurationLoader.load(
            environment: ["HTTP_PORT": "9100", "KAFKA_PROP_SECURITY_PROTOCOL": "SASL_SSL"], file: path)
        #expect(loaded.http.port == 9100)
        #expect(loaded.kafka.passthrough["security.protocol"] == "SASL_SSL")
    }
}

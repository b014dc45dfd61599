import Foundation
import ProfileService
import Testing

/// deploy/docker-compose.yml checked against the code (Docker does not run where the tests run).
@Suite(.timeLimit(.minutes(1)))
struct ComposeFileTests {
    let compose: ComposeFile
    let defaults = ServiceConfiguration()

    init() throws {
        compose = try ComposeFile.load("deploy/docker-compose.yml")
    }

    @Test func runsKafkaInKRaftModeWithAnInternalAndAHostListener() throws {
        let kafka = try compose.service("kafka")
        let image = try #require(kafka.image)
        #expect(image.hasPrefix("apache/kafka:"))
        let environment = kafka.setEnvironment
        #expect(Set(environment["KAFKA_PROCESS_ROLES", default: ""].split(separator: ",")) == ["broker", "controller"])
        #expect(!environment.keys.contains { $0.contains("ZOOKEEPER") })
        let controller = try #require(environment["KAFKA_CONTROLLER_LISTENER_NAMES"])
        #expect(environment["KAFKA_CONTROLLER_QUORUM_VOTERS"]?.hasPrefix("\(environment["KAFKA_NODE_ID"] ?? "?")@") == true)

        let listeners = Self.listeners(environment["KAFKA_LISTENERS"])
        let advertised = Self.listeners(environment["KAFKA_ADVERTISED_LISTENERS"])
        #expect(advertised.values.contains("kafka:9092"))
        #expect(advertised.values.contains("localhost:29092"))
        #expect(listeners[controller] != nil, "the controller listener is bound")
        #expect(advertised[controller] == nil, "the controller listener is not advertised to clients")
        // Every advertised listener is bound on the same port, and has a security protocol.
        let protocols = Self.listeners(environment["KAFKA_LISTENER_SECURITY_PROTOCOL_MAP"])
        for (name, address) in advertised {
            #expect(listeners[name]?.split(separator: ":").last == address.split(separator: ":").last, "listener \(name)")
            #expect(protocols[name] != nil, "security protocol of \(name)")
        }
        #expect(protocols[controller] != nil)
        #expect(kafka.ports?.contains("29092:29092") == true, "the host listener is published")
        #expect(environment["KAFKA_AUTO_CREATE_TOPICS_ENABLE"] == "false")
    }

    @Test func kafkaHasAHealthcheckAndKeepsItsDataOnAVolume() throws {
        let kafka = try compose.service("kafka")
        let test = try #require(kafka.healthcheck?.test)
        #expect(["CMD", "CMD-SHELL"].contains(test.first))
        #expect(test.joined(separator: " ").contains("9092"))
        let logDirectory = try #require(kafka.setEnvironment["KAFKA_LOG_DIRS"])
        #expect(try namedVolumes(of: kafka).values.contains(logDirectory))
    }

    @Test func topicInitCreatesTheDefaultTopicsOnceKafkaIsHealthy() throws {
        let initService = try compose.service("kafka-init")
        #expect(initService.image == compose.services["kafka"]?.image)
        #expect(initService.dependsOn?["kafka"]?.condition == "service_healthy")
        let script = ((initService.entrypoint ?? []) + (initService.command ?? [])).joined(separator: "\n")
        let creations = script.split(separator: "\n").filter { $0.contains("kafka-topics.sh") && $0.contains("--create") }
        for topic in [defaults.kafka.userRegisteredTopic, defaults.kafka.userCreatedTopic, defaults.kafka.deadLetterTopic] {
            let line = try #require(creations.first { $0.contains("--topic \(topic) ") }, "creates \(topic)")
            #expect(line.contains("--partitions "), "\(topic) has a partition count")
            #expect(line.contains("--if-not-exists"), "creating \(topic) again is harmless")
            #expect(line.contains("--bootstrap-server kafka:9092"))
        }
    }

    @Test func daemonIsBuiltFromTheDockerfileAndStartsAfterKafkaAndItsTopics() throws {
        let service = try compose.service("profile-svc")
        let build = try #require(service.build)
        let dockerfile = RepositoryFile.url("deploy").appendingPathComponent(build.context).appendingPathComponent(build.dockerfile)
        #expect(FileManager.default.fileExists(atPath: dockerfile.standardizedFileURL.path))
        #expect(build.context == "..", "the build context is the repository root")
        #expect(service.restart == "unless-stopped")
        #expect(service.dependsOn?["kafka"]?.condition == "service_healthy")
        #expect(service.dependsOn?["kafka-init"]?.condition == "service_completed_successfully")
        // No entrypoint or command override: `docker compose run --rm profile-svc dlq reprocess` reaches the binary.
        #expect(service.entrypoint == nil && service.command == nil)
    }

    @Test func daemonUsesOnlyDocumentedVariablesAndPointsAtTheInternalListener() throws {
        let service = try compose.service("profile-svc")
        let names = Set((service.environment ?? [:]).keys)
        let undocumented = try names.filter { try !InterfaceSettings.isAllowed($0) }
        #expect(undocumented.isEmpty, "not in docs/interface.md: \(undocumented)")
        for name in names where !name.hasPrefix(InterfaceSettings.passthroughPrefix) {
            #expect(InterfaceSettings.loaderReads(name), "\(name) is read by the configuration loader")
        }
        let configuration = try ConfigurationLoader.load(
            environment: service.setEnvironment, file: RepositoryFile.url("config/profile-svc.env").path)
        #expect(configuration.kafka.bootstrapServers == "kafka:9092")
        #expect(configuration.http.host == "0.0.0.0")
        #expect(configuration.http.apiToken == nil, "no token unless the operator's shell has one")
        #expect(service.ports?.contains("\(configuration.http.port):\(configuration.http.port)") == true)
        #expect(configuration.kafka.groupInstanceID != nil, "a static member: a restart moves no partition")
        #expect(
            [configuration.kafka.userRegisteredTopic, configuration.kafka.userCreatedTopic, configuration.kafka.deadLetterTopic]
                == [defaults.kafka.userRegisteredTopic, defaults.kafka.userCreatedTopic, defaults.kafka.deadLetterTopic],
            "the daemon reads the topics kafka-init creates")

        let dataDirectory = try #require(
            namedVolumes(of: service).values.first { configuration.databasePath.hasPrefix($0 + "/") },
            "PROFILE_DB_PATH \(configuration.databasePath) is on a named volume")
        #expect(dataDirectory == "/data")
    }

    @Test func daemonHealthcheckAsksForReadiness() throws {
        let test = try #require(compose.service("profile-svc").healthcheck?.test)
        #expect(test.first == "CMD")
        #expect(Array(test.dropFirst()) == ["profile-svc", "healthcheck", "--path", "/readyz"])
    }

    @Test func traceBackendStartsOnlyWithItsProfileAndTakesTheDaemonsOTLP() throws {
        let jaeger = try compose.service("jaeger")
        #expect(jaeger.profiles == ["tracing"], "`docker compose up` alone starts no trace backend")
        #expect(jaeger.image?.hasPrefix("jaegertracing/") == true)
        #expect(jaeger.ports?.contains("16686:16686") == true, "the UI the README points at")
        let daemon = try compose.service("profile-svc")
        #expect(daemon.dependsOn?["jaeger"] == nil, "the daemon runs without the trace backend")
        let endpoint = try #require(daemon.environment?["OTEL_EXPORTER_OTLP_ENDPOINT"])
        #expect(endpoint == nil, "taken from the shell: tracing off unless it is given")
        // What the file's comment tells the operator to give: Jaeger's OTLP/HTTP port on this network.
        let header = try RepositoryFile.text("deploy/docker-compose.yml")
        #expect(header.contains("OTEL_EXPORTER_OTLP_ENDPOINT=http://jaeger:4318 docker compose"))
        #expect(header.contains("--profile tracing"))
        var environment = daemon.setEnvironment
        environment["OTEL_EXPORTER_OTLP_ENDPOINT"] = "http://jaeger:4318"
        let traced = try ConfigurationLoader.load(environment: environment, file: RepositoryFile.url("config/profile-svc.env").path)
        #expect(traced.tracing.isEnabled && traced.tracing.exportProtocol == .httpProtobuf)
        let untraced = try ConfigurationLoader.load(
            environment: daemon.setEnvironment, file: RepositoryFile.url("config/profile-svc.env").path)
        #expect(!untraced.tracing.isEnabled)
    }

    /// A service's named volumes (declared at the top level), as volume name → mount point.
    private func namedVolumes(of service: ComposeFile.Service) throws -> [String: String] {
        var mounts: [String: String] = [:]
        for volume in service.volumes ?? [] {
            let parts = volume.split(separator: ":").map(String.init)
            guard parts.count >= 2, compose.volumes?.keys.contains(parts[0]) == true else { continue }
            mounts[parts[0]] = parts[1]
        }
        return mounts
    }

    /// `NAME://host:port,...` (or `NAME:PROTOCOL,...`) as name → the rest.
    private static func listeners(_ text: String?) -> [String: String] {
        var result: [String: String] = [:]
        for entry in (text ?? "").split(separator: ",") {
            guard let colon = entry.firstIndex(of: ":") else { continue }
            var rest = entry[entry.index(after: colon)...]
            if rest.hasPrefix("//") { rest = rest.dropFirst(2) }
            result[String(entry[..<colon])] = String(rest)
        }
        return result
    }
}

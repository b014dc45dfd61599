import Foundation
import ProfileService
import Testing

/// deploy/docker-compose.postgres.yml: two replicas of one group sharing PostgreSQL 16, next to the same Kafka as
/// deploy/docker-compose.yml. (No Docker engine runs here: the file is checked against the code and docs/interface.md.)
@Suite(.timeLimit(.minutes(1)))
struct PostgresComposeFileTests {
    let compose: ComposeFile
    let replicas = ["profile-svc-1", "profile-svc-2"]

    init() throws {
        compose = try ComposeFile.load("deploy/docker-compose.postgres.yml")
    }

    @Test func kafkaAndItsTopicsAreThoseOfTheSQLiteComposeFile() throws {
        let sqlite = try ComposeFile.load("deploy/docker-compose.yml")
        for name in ["kafka", "kafka-init"] {
            let here = try compose.service(name)
            let there = try sqlite.service(name)
            #expect(here.image == there.image && here.environment == there.environment && here.command == there.command)
        }
    }

    @Test func postgreSQL16HasAHealthcheckAndKeepsItsDataOnAVolume() throws {
        let postgres = try compose.service("postgres")
        #expect(postgres.image == "postgres:16")
        #expect(postgres.healthcheck?.test.contains("pg_isready") == true)
        #expect(postgres.volumes?.contains("postgres-data:/var/lib/postgresql/data") == true)
        #expect(postgres.setEnvironment["POSTGRES_PASSWORD_FILE"] == "/run/secrets/profile-db-password")
        #expect(
            compose.secrets?["profile-db-password"]?.file.map { RepositoryFile.url("deploy/" + $0).path }.map(
                FileManager.default.fileExists) == true)
    }

    @Test func twoStaticReplicasOfOneGroupReachTheDatabaseWithThePasswordFromTheSecret() throws {
        var instances: Set<String> = []
        var hostPorts: Set<String> = []
        for name in replicas {
            let replica = try compose.service(name)
            #expect(replica.dependsOn?["postgres"]?.condition == "service_healthy")
            #expect(replica.dependsOn?["kafka-init"]?.condition == "service_completed_successfully")
            #expect(replica.healthcheck?.test == ["CMD", "profile-svc", "healthcheck", "--path", "/readyz"])
            #expect(replica.secrets == ["profile-db-password"])
            let names = Set((replica.environment ?? [:]).keys)
            for name in names where !name.hasPrefix(InterfaceSettings.passthroughPrefix) {
                #expect(InterfaceSettings.loaderReads(name), "\(name) is read by the configuration loader")
            }
            let passwordFile = try #require(replica.setEnvironment["PROFILE_DB_PASSWORD_FILE"])
            #expect(passwordFile == "/run/secrets/profile-db-password")
            // Loaded as the container would, with the secret where the container has it.
            var environment = replica.setEnvironment
            environment["PROFILE_DB_PASSWORD_FILE"] = RepositoryFile.url("deploy/profile-db-password.txt").path
            let configuration = try ConfigurationLoader.load(
                environment: environment, file: RepositoryFile.url("config/profile-svc.env").path)
            let postgres = try #require(configuration.postgres, "\(name) uses PostgreSQL")
            #expect(postgres.host == "postgres" && postgres.port == 5432 && postgres.database == "profiles")
            #expect(postgres.user == compose.services["postgres"]?.setEnvironment["POSTGRES_USER"])
            #expect(postgres.password != nil && !(environment["PROFILE_DB_URL"] ?? "").contains(postgres.password ?? "-"), "not in the URL")
            #expect(configuration.kafka.groupID == "profile-svc")
            #expect(configuration.kafka.bootstrapServers == "kafka:9092")
            instances.insert(try #require(configuration.kafka.groupInstanceID))
            hostPorts.formUnion((replica.ports ?? []).map { String($0.prefix { $0 != ":" }) })
        }
        #expect(instances.count == replicas.count, "one static member id per replica")
        #expect(hostPorts.count == replicas.count, "one host port per replica")
    }
}

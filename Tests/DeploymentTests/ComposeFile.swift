import Foundation
import Testing
import Yams

/// The parts of a docker-compose file these tests look at.
struct ComposeFile: Decodable {
    struct Build: Decodable {
        var context: String
        var dockerfile: String
    }

    struct Dependency: Decodable {
        var condition: String
    }

    struct Healthcheck: Decodable {
        var test: [String]
    }

    struct Service: Decodable {
        var image: String?
        var build: Build?
        var restart: String?
        var entrypoint: [String]?
        var command: [String]?
        var ports: [String]?
        var volumes: [String]?
        var environment: [String: String?]?
        var dependsOn: [String: Dependency]?
        var healthcheck: Healthcheck?
        var secrets: [String]?
        /// The compose profiles that start it; none: `docker compose up` alone starts it.
        var profiles: [String]?

        enum CodingKeys: String, CodingKey {
            case image, build, restart, entrypoint, command, ports, volumes, environment, healthcheck, secrets, profiles
            case dependsOn = "depends_on"
        }

        /// The environment's values that are set (a name without value takes the caller's shell variable).
        var setEnvironment: [String: String] {
            (environment ?? [:]).compactMapValues { $0 }
        }
    }

    struct Secret: Decodable {
        var file: String?
    }

    var services: [String: Service]
    var volumes: [String: String?]?
    var secrets: [String: Secret]?

    static func load(_ relativePath: String) throws -> ComposeFile {
        try YAMLDecoder().decode(ComposeFile.self, from: RepositoryFile.text(relativePath))
    }

    func service(_ name: String) throws -> Service {
        try #require(services[name], "service \(name) is missing")
    }
}

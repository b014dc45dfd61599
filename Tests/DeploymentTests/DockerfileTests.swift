import Foundation
import ProfileService
import Testing

/// deploy/Dockerfile checked line by line: the builder matches CI, the runtime image is minimal and non-root.
@Suite(.timeLimit(.minutes(1)))
struct DockerfileTests {
    let dockerfile: DockerfileInstructions

    init() throws {
        dockerfile = DockerfileInstructions(try RepositoryFile.text("deploy/Dockerfile"))
    }

    var builder: DockerfileInstructions.Stage { dockerfile.stages[0] }
    var runtime: DockerfileInstructions.Stage { dockerfile.stages[dockerfile.stages.count - 1] }

    /// Ubuntu 24.04 ships librdkafka 2.3.0; Debian 12's 2.0.2 has the tagged-field bug fixed in 2.2.0.
    @Test func buildsAndRunsOnUbuntuNobleForALibrdkafkaWithoutTheTaggedFieldBug() throws {
        try #require(dockerfile.stages.count >= 2, "multi-stage")
        #expect(builder.from.hasPrefix("swift:"))
        #expect(builder.from.contains("-noble"))
        let stageName = try #require(builder.from.split(separator: " ").last.map(String.init))
        #expect(builder.from.uppercased().contains(" AS "))
        #expect(runtime.from == "ubuntu:24.04", "the builder's distribution, so the linked librdkafka is the one that runs")
        #expect(runtime.all("COPY").contains { $0.hasPrefix("--from=\(stageName) ") }, "the runtime takes the binary from the builder")
    }

    @Test func builderInstallsTheSameSystemPackagesAsCI() throws {
        // .ci/run → scripts/test → scripts/install-deps, which installs `packages=(...)`.
        let script = try RepositoryFile.text("scripts/install-deps")
        let line = try #require(
            script.split(separator: "\n").first { $0.hasPrefix("packages=(") }, "scripts/install-deps lists its packages")
        let ciPackages = Set(line.dropFirst("packages=(".count).prefix { $0 != ")" }.split(separator: " ").map(String.init))
        #expect(ciPackages.isSuperset(of: ["librdkafka-dev", "libsqlite3-dev"]))
        #expect(builder.aptPackages == ciPackages)
    }

    @Test func builderBuildsTheReleaseProductWithTheSwiftRuntimeLinkedIn() {
        let builds = builder.all("RUN").filter { $0.contains("swift build") }
        #expect(
            builds.contains { $0.contains("-c release") && $0.contains("--product profile-svc") && $0.contains("--static-swift-stdlib") })
    }

    /// SwiftPM reads the whole manifest, whichever product it builds: a target whose folder is missing fails the build.
    /// No Docker engine runs here, so the image's build is checked this way.
    @Test func builderCopiesEveryFolderThePackageManifestNames() throws {
        let manifest = try RepositoryFile.text("Package.swift")
        let targetFolders = ManifestFolders.targetFolders(of: manifest)
        #expect(targetFolders.contains("Sources/profile-svc") && targetFolders.contains("Tools/profile-bench"), "\(targetFolders)")
        for folder in targetFolders {
            #expect(FileManager.default.fileExists(atPath: RepositoryFile.url(folder).path), "\(folder) is named by Package.swift")
        }
        let copied = Set(builder.all("COPY").compactMap { $0.split(separator: " ").first.map(String.init) })
        let topLevel = ManifestFolders.topLevelFolders(of: manifest)
        #expect(topLevel == ["Sources", "Tests", "Tools"])
        #expect(topLevel.isSubset(of: copied), "copied: \(copied.sorted())")
    }

    @Test func runtimeInstallsOnlyTheSharedLibrariesTheBinaryLinks() {
        #expect(runtime.aptPackages == ["librdkafka1", "libsqlite3-0", "ca-certificates"])
        #expect(runtime.all("RUN").allSatisfy { !$0.contains("apt-get install") || $0.contains("--no-install-recommends") })
    }

    @Test func runtimeRunsAsANonRootUserWithTheDatabaseOnAVolume() throws {
        let user = try #require(runtime.all("USER").last)
        let name = String(user.prefix { $0 != ":" })
        #expect(!["root", "0"].contains(name))
        #expect(runtime.all("RUN").contains { $0.contains("useradd") && $0.contains(name) })
        #expect(runtime.all("VOLUME").contains { $0.contains("\"/data\"") || $0 == "/data" })
        let environment = runtime.all("ENV").joined(separator: " ")
        #expect(environment.contains("HTTP_HOST=0.0.0.0"))
        #expect(environment.contains("PROFILE_DB_PATH=/data/"))
        #expect(runtime.all("EXPOSE") == ["\(ServiceConfiguration().http.port)"])
    }

    @Test func healthcheckAsksTheDaemonForReadinessWithTheBinaryItself() throws {
        let healthcheck = try #require(runtime.all("HEALTHCHECK").first)
        let command = try #require(healthcheck.range(of: "CMD ").map { healthcheck[$0.upperBound...] })
        #expect(command == #"["profile-svc", "healthcheck", "--path", "/readyz"]"#)
        #expect(healthcheck.contains("--interval="))
    }

    @Test func entrypointIsTheBinarySoEveryCommandCanBeRun() {
        #expect(runtime.all("ENTRYPOINT") == [#"["profile-svc"]"#])
        #expect(runtime.all("CMD") == [#"["run"]"#])
    }
}

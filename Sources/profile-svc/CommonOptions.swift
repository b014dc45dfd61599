import ArgumentParser
import Foundation
import Logging
import ProfileService

/// Options every command takes.
struct CommonOptions: ParsableArguments {
    @Option(
        name: .long, help: "A KEY=VALUE configuration file (default: config/profile-svc.env when present). The environment wins over it.")
    var config: String?

    /// Loads the configuration, or exits 78 with one line naming the setting.
    func loadConfiguration() throws -> ServiceConfiguration {
        do {
            return try ConfigurationLoader.load(environment: ProcessInfo.processInfo.environment, file: config)
        } catch {
            throw Failure(message: "configuration error: \(error)", code: 78)
        }
    }
}

/// A failure printed as one line on standard error, exiting with `code`.
struct Failure: Error, CustomStringConvertible {
    var message: String
    var code: Int32
    var description: String { message }
}

extension AsyncParsableCommand {
    /// Runs `body`, turning ``Failure`` and ``StartupError`` into one line and their exit code.
    func exitingOnFailure(_ body: () async throws -> Void) async throws {
        do {
            try await body()
        } catch let failure as Failure {
            FileHandle.standardError.write(Data("profile-svc: \(failure.message)\n".utf8))
            throw ExitCode(failure.code)
        } catch let error as StartupError {
            FileHandle.standardError.write(Data("profile-svc: \(error.message)\n".utf8))
            throw ExitCode(error.kind.rawValue)
        }
    }
}

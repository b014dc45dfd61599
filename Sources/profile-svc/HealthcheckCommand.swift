import ArgumentParser
import Foundation

/// `profile-svc healthcheck`: one HTTP GET against a running daemon, for the container's `HEALTHCHECK`
/// (the runtime image has no curl). Exit 0 on 200, 1 otherwise.
struct HealthcheckCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "healthcheck",
        abstract: "Ask a running daemon's HTTP server for a route (default /readyz); exit 0 on 200, 1 otherwise.",
        discussion: """
            Connects to HTTP_HOST:HTTP_PORT from the configuration (127.0.0.1 when HTTP_HOST is a wildcard \
            address such as 0.0.0.0), sends GET PATH and prints the status line and body. Used by the \
            container image's HEALTHCHECK.
            """
    )

    @OptionGroup var options: CommonOptions
    @Option(help: "The route to ask for.") var path: String = "/readyz"
    @Option(help: "Seconds to wait for the answer.") var timeout: Int = 3

    func run() async throws {
        try await exitingOnFailure {
            let configuration = try options.loadConfiguration()
            let host = ["0.0.0.0", "::", "[::]"].contains(configuration.http.host) ? "127.0.0.1" : configuration.http.host
            do {
                let answer = try HTTPGet.fetch(host: host, port: configuration.http.port, path: path, timeoutSeconds: timeout)
                print(answer.text)
                if answer.status != 200 { throw ExitCode(1) }
            } catch let error as HTTPGet.Failure {
                print("unhealthy: \(error.message)")
                throw ExitCode(1)
            }
        }
    }
}

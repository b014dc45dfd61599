import ArgumentParser
import ProfileService

extension DeadLetterSnapshotTool {
    /// Runs the tool as `dlq reprocess` and `dlq replay` do: the configuration of `options`, the selection and flags
    /// of the command line, logs on stderr, the summary on stdout (exit 130 when Ctrl-C interrupted it).
    static func runAsCommand(
        label: String, options: CommonOptions, selection: DeadLetterSelectionOptions, flags: DeadLetterRunFlags
    ) async throws {
        let configuration = try options.loadConfiguration()
        LoggingSetup.bootstrap(configuration, stream: .standardError)
        let tracing = try TracingBootstrap.start(configuration.tracing, logger: configuration.logger("profile-svc.otel"))
        let logger = configuration.logger("profile-svc.dlq")
        let tool = Self(configuration: configuration, options: flags.options(selection), logger: logger, tracer: tracing?.tracer)
        try await TracingRuntime.running(tracing, logger: logger) {
            try await DeadLetterTerminal.execute(label: label, json: flags.json) { stop, progress in
                try await tool.run(stop: stop, progress: progress)
            }
        }
    }
}

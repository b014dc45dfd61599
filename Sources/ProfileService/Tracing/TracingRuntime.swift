import Logging
import ServiceLifecycle
import Tracing

/// Tracing as a process runs it: the tracer its spans are recorded with and the service that exports them.
/// A process without one (tracing off) records nothing.
public struct TracingRuntime: Sendable {
    /// The tracer; ``TracingBootstrap`` gives the process-wide one (also what Hummingbird's middleware uses).
    public let tracer: any Tracer
    /// Batches and exports the spans; runs in the process's service group, flushing when it shuts down.
    public let exporter: any Service

    public init(tracer: any Tracer, exporter: any Service) {
        self.tracer = tracer
        self.exporter = exporter
    }

    /// Runs `body` (a command that ends by itself, such as `dlq reprocess`) beside `runtime`'s exporter, then shuts
    /// the exporter down, which exports the spans still buffered, before it returns. Without a runtime: `body`.
    public static func running<T>(_ runtime: TracingRuntime?, logger: Logger, _ body: () async throws -> T) async throws -> T {
        guard let runtime else { return try await body() }
        let group = ServiceGroup(configuration: ServiceGroupConfiguration(services: [runtime.exporter], logger: logger))
        return try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            let result: Result<T, any Error>
            do { result = .success(try await body()) } catch { result = .failure(error) }
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
            return try result.get()
        }
    }
}

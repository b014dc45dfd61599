import Hummingbird
import Logging

/// One JSON access-log line per request: method, path, status, duration_ms, request_id, client_ip.
struct AccessLogMiddleware: RouterMiddleware {
    typealias Context = ProfileRequestContext
    let logger: Logger
    let metrics: ServiceMetrics

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let started = ContinuousClock.now
        let response = try await next(request, context)
        let elapsed = ContinuousClock.now - started
        let milliseconds = Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15
        metrics.httpRequest(status: response.status.code)
        logger.info("request", metadata: [
            "method": .string(request.method.rawValue),
            "path": .string(String(request.uri.path.prefix(512))),
            "status": .stringConvertible(response.status.code),
            "duration_ms": .string(String(format: "%.3f", milliseconds)),
            "request_id": .string(response.headers[RequestIDMiddleware.header] ?? ""),
            "client_ip": .string(context.clientIP),
        ])
        return response
    }
}

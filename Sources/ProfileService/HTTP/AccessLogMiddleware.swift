import Hummingbird
import Logging
import ProfileCore

/// One JSON access-log line per request (at `info`): method, path, status, duration_ms, request_id,
/// client_ip; and the request counters and duration histogram.
struct AccessLogMiddleware: RouterMiddleware {
    typealias Context = ProfileRequestContext
    let logger: Logger
    let metrics: ServiceMetrics

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let started = ContinuousClock.now
        // Never throws: the request-id middleware inside turns every error into a JSON response.
        let response = try await next(request, context)
        let elapsed = ContinuousClock.now - started
        metrics.httpRequest(method: request.method.rawValue, route: context.endpointPath, status: response.status.code, duration: elapsed)
        logger.info(
            "request",
            metadata: [
                "method": .string(request.method.rawValue),
                "path": .string(String(request.uri.path.prefix(512))),
                "status": .stringConvertible(response.status.code),
                "duration_ms": .stringConvertible(Self.milliseconds(elapsed)),
                "request_id": .string(response.headers[RequestIDMiddleware.header] ?? ""),
                "client_ip": .string(context.clientIP),
            ])
        return response
    }

    /// `elapsed` in milliseconds, rounded to microseconds.
    static func milliseconds(_ elapsed: Duration) -> Double {
        (elapsed.inMilliseconds * 1000).rounded() / 1000
    }
}

import Foundation
import Hummingbird
import Logging
import ProfileStore

/// Builds the HTTP API: `/v1/profiles/{user_id}`, `/healthz`, `/readyz`, `/metrics`.
public enum HTTPRouter {
    /// The longest user id a lookup accepts, in bytes.
    static let maxUserIDBytes = 256

    public static func build(
        database: ProfileDatabase, health: ServiceHealth, metrics: ServiceMetrics, apiToken: String?, logger: Logger
    ) -> Router<ProfileRequestContext> {
        let router = Router(context: ProfileRequestContext.self)
        router.add(middleware: AccessLogMiddleware(logger: logger, metrics: metrics))
        router.add(middleware: RequestIDMiddleware(knownPath: { path in
            ["/healthz", "/readyz", "/metrics"].contains(path) || path.hasPrefix("/v1/profiles/")
        }))

        router.get("/healthz") { _, _ in
            jsonResponse("{\"status\":\"ok\"}\n")
        }
        router.get("/readyz") { _, _ in
            var reasons = health.snapshot.notReadyReasons
            do { try await database.ping() } catch { reasons.append("database not readable: \(error)") }
            guard reasons.isEmpty else {
                throw APIError(.serviceUnavailable, "not ready: " + reasons.joined(separator: "; "), details: ["reasons": reasons])
            }
            return jsonResponse("{\"status\":\"ready\"}\n")
        }
        router.get("/metrics") { _, _ in
            Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                     body: .init(byteBuffer: ByteBuffer(string: metrics.render())))
        }

        let v1 = router.group("v1")
        if let apiToken { v1.add(middleware: BearerTokenMiddleware(token: Array(apiToken.utf8))) }
        v1.get("profiles/:user_id") { request, context in
            let userID = try userID(from: request)
            guard let profile = try await database.profile(userID: userID) else {
                throw APIError(.notFound, "no profile for this user id")
            }
            let body = try JSONEncoder().encode(ProfileResponse(profile))
            return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: body)))
        }
        return router
    }

    /// The `{user_id}` path segment, percent-decoded and checked: 400 when empty, too long or not UTF-8.
    private static func userID(from request: Request) throws -> String {
        let raw = request.uri.path.dropFirst("/v1/profiles/".count)
        guard !raw.contains("/") else { throw APIError(.notFound, "no route for \(request.uri.path.prefix(200))") }
        guard let decoded = String(raw).removingPercentEncoding, !decoded.isEmpty else {
            throw APIError(.badRequest, "user_id must be non-empty, percent-encoded UTF-8")
        }
        guard decoded.utf8.count <= maxUserIDBytes else {
            throw APIError(.badRequest, "user_id is longer than \(maxUserIDBytes) bytes")
        }
        return decoded
    }

    private static func jsonResponse(_ body: String) -> Response {
        Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: body)))
    }
}

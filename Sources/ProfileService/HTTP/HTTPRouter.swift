import Foundation
import Hummingbird
import Logging
import ProfileCore
import ProfileStorage

/// Builds the HTTP API: `/v1/profiles/{user_id}` (GET, and DELETE to erase), `/healthz`, `/readyz`, `/metrics`.
public enum HTTPRouter {
    static let profilesPrefix = "/v1/profiles/"

    /// The API's routes, its middleware (with `traced`, a SERVER span per request outermost, continuing an incoming
    /// `traceparent` and named by the route template; then the access log, then request ids and JSON errors, then
    /// the bearer token on `/v1`), reading profiles from `store` and readiness from `health`.
    public static func build(
        store: any ProfileStore, health: ServiceHealth, metrics: ServiceMetrics, apiToken: String?, traced: Bool = false,
        logger: Logger
    ) -> Router<ProfileRequestContext> {
        let router = Router(context: ProfileRequestContext.self)
        if traced { router.add(middleware: TracingMiddleware(recordingHeaders: [RequestIDMiddleware.header])) }
        router.add(middleware: AccessLogMiddleware(logger: logger, metrics: metrics))
        router.add(middleware: RequestIDMiddleware(knownPath: isKnownPath))

        router.get("/healthz") { _, _ in
            jsonResponse("{\"status\":\"ok\"}\n")
        }
        router.get("/readyz") { _, _ in
            var reasons = health.snapshot.notReadyReasons
            do { try await store.ping() } catch { reasons.append("database not readable: \(error)") }
            guard reasons.isEmpty else {
                throw APIError(.serviceUnavailable, "not ready: " + reasons.joined(separator: "; "), details: ["reasons": reasons])
            }
            return jsonResponse("{\"status\":\"ready\"}\n")
        }
        router.get("/metrics") { _, _ in
            // Erasures are counted from the store: `profiles erase` and the other replicas make them too.
            if let erased = try? await store.erasedUserCount() { metrics.erasedUsers(erased) }
            return Response(
                status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(string: metrics.render())))
        }

        let v1 = router.group("v1")
        if let apiToken { v1.add(middleware: BearerTokenMiddleware(token: apiToken)) }
        v1.get("profiles/:user_id") { request, _ in
            let userID = try userID(from: request)
            let found: Profile?
            do {
                found = try await store.profile(userID: userID)
            } catch {
                // The store is away (a PostgreSQL server unreachable, say): a passing condition, not the client's fault.
                logger.warning("profile lookup failed", metadata: ["error": "\(error)"])
                throw APIError(.serviceUnavailable, "the profile store is not available; retry later")
            }
            guard let profile = found else {
                throw APIError(.notFound, "no profile for this user id")
            }
            return Response(
                status: .ok, headers: [.contentType: "application/json"],
                body: .init(byteBuffer: ProfileResponse.json(profile)))
        }
        // Erasing is never open to whoever reaches the port: without a token it is refused (403) rather than allowed.
        let eraser = ProfileEraser(store: store, logger: logger)
        v1.delete("profiles/:user_id") { request, context in
            guard apiToken != nil else {
                throw APIError(
                    .forbidden, "erasing a profile needs PROFILE_API_TOKEN to be set on the service and sent as a bearer token")
            }
            let userID = try userID(from: request)
            let sources = try erasedSources(from: request)
            let dryRun = try dryRun(from: request)
            let outcome: ErasureOutcome
            do {
                outcome = try await eraser.erase(userID: userID, sources: sources, dryRun: dryRun, requestID: context.requestID)
            } catch {
                logger.warning("erasure failed", metadata: ["error": "\(error)", "request_id": .string(context.requestID)])
                throw APIError(.serviceUnavailable, "the profile store is not available; nothing was erased; retry later")
            }
            return Response(
                status: .ok, headers: [.contentType: "application/json"],
                body: .init(byteBuffer: ByteBuffer(string: ErasureOutput.json(outcome, requestID: context.requestID) + "\n")))
        }
        // `/v1/profiles` (or `/v1/profiles/`) names no user: a bad request rather than an unknown route.
        v1.get("profiles") { _, _ -> Response in
            throw APIError(.badRequest, "user_id must not be empty")
        }
        return router
    }

    /// The `{user_id}` path segment, percent-decoded and checked: 400 when empty, too long or not UTF-8.
    /// (The router matched exactly one segment, so the raw segment holds no `/`; a decoded `%2F` may.)
    static func userID(from request: Request) throws -> String {
        guard let decoded = PercentDecoding.decode(request.uri.path.dropFirst(profilesPrefix.count)) else {
            throw APIError(.badRequest, "user_id must be percent-encoded UTF-8")
        }
        guard !decoded.isEmpty else { throw APIError(.badRequest, "user_id must not be empty") }
        guard decoded.utf8.count <= UserCreatedEvent.maxUserIDBytes else {
            throw APIError(.badRequest, "user_id is longer than \(UserCreatedEvent.maxUserIDBytes) bytes")
        }
        return decoded
    }

    /// The `source` query parameter of an erasure: every source when absent, else the one it names (400 otherwise).
    static func erasedSources(from request: Request) throws -> ErasedSources {
        guard let name = request.uri.queryParameters.get("source") else { return .all }
        guard let source = EventSource(rawValue: name) else {
            throw APIError(
                .badRequest, "source must be one of \(EventSource.allCases.map(\.rawValue).joined(separator: ", ")), or absent for both")
        }
        return ErasedSources(source)
    }

    /// The `dry_run` query parameter of an erasure: `true` or `false` (absent: false).
    static func dryRun(from request: Request) throws -> Bool {
        switch request.uri.queryParameters.get("dry_run") {
        case nil, "false": return false
        case "true": return true
        default: throw APIError(.badRequest, "dry_run must be true or false")
        }
    }

    /// Whether a route exists at `path` (for some method), to tell a wrong method (405) from an unknown route (404).
    static func isKnownPath(_ path: String) -> Bool {
        if ["/healthz", "/readyz", "/metrics", "/v1/profiles"].contains(path) { return true }
        guard path.hasPrefix(profilesPrefix) else { return false }
        return !path.dropFirst(profilesPrefix.count).contains("/")
    }

    private static func jsonResponse(_ body: String) -> Response {
        Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: body)))
    }
}

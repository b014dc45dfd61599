import Foundation
import HTTPTypes
import Hummingbird
import ProfileCore

/// Gives every request an id (its own `X-Request-Id` when it is a sane length and printable, else a new
/// UUID), echoes it on every response, and turns every error into a JSON error response carrying it.
struct RequestIDMiddleware: RouterMiddleware {
    typealias Context = ProfileRequestContext
    static let header = HTTPField.Name("X-Request-Id")!
    static let maxLength = 128

    /// Paths this API serves (GET, and DELETE on a profile), to tell a wrong method (405) from an unknown route (404).
    let knownPath: @Sendable (String) -> Bool

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        context.requestID = Self.acceptable(request.headers[Self.header]) ?? UUID.random().lowercasedText
        var response: Response
        do {
            response = try await next(request, context)
        } catch let error as APIError {
            response = error.response(requestID: context.requestID)
        } catch let error as HTTPResponseError {
            response = translate(error, request: request).response(requestID: context.requestID)
        } catch {
            context.logger.error("request failed", metadata: ["error": "\(error)", "request_id": .string(context.requestID)])
            response = APIError(.internalServerError, "internal error").response(requestID: context.requestID)
        }
        response.headers[Self.header] = context.requestID
        return response
    }

    private func translate(_ error: HTTPResponseError, request: Request) -> APIError {
        if error.status == .notFound, request.method != .get, knownPath(request.uri.path) {
            return APIError(
                .methodNotAllowed, "method \(request.method.rawValue) is not allowed here",
                headers: [.allow: request.uri.path.hasPrefix(HTTPRouter.profilesPrefix) ? "GET, DELETE" : "GET"])
        }
        switch error.status {
        case .notFound: return APIError(.notFound, "no route for \(request.uri.path.prefix(200))")
        default: return APIError(error.status, error.status.reasonPhrase)
        }
    }

    private static func acceptable(_ value: String?) -> String? {
        guard let value, !value.isEmpty, value.utf8.count <= maxLength,
            value.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F })
        else { return nil }
        return value
    }
}

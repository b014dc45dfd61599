import Hummingbird

/// Requires `Authorization: Bearer <token>` (compared in constant time); 401 with a JSON error otherwise.
struct BearerTokenMiddleware: RouterMiddleware {
    typealias Context = ProfileRequestContext
    let token: [UInt8]

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let header = request.headers[.authorization], header.hasPrefix("Bearer "),
              Self.constantTimeEquals(Array(header.utf8.dropFirst("Bearer ".utf8.count)), token)
        else {
            throw APIError(.unauthorized, "missing or invalid bearer token", headers: [.wwwAuthenticate: "Bearer"])
        }
        return try await next(request, context)
    }

    /// Compares without stopping at the first difference, so timing reveals nothing but the length.
    static func constantTimeEquals(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        var difference = UInt8(a.count == b.count ? 0 : 1)
        for index in 0..<a.count {
            difference |= a[index] ^ b[index % max(b.count, 1)]
        }
        return difference == 0 && !b.isEmpty
    }
}

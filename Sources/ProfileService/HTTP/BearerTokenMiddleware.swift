import Hummingbird

/// Requires `Authorization: Bearer <token>` (the scheme case-insensitive, the token compared in constant
/// time); 401 with a JSON error and `WWW-Authenticate: Bearer` otherwise.
struct BearerTokenMiddleware: RouterMiddleware {
    typealias Context = ProfileRequestContext
    private let token: [UInt8]

    init(token: String) {
        self.token = Array(token.utf8)
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let presented = request.headers[.authorization].flatMap(Self.bearerCredentials),
            Self.constantTimeEquals(presented, token)
        else {
            throw APIError(.unauthorized, "missing or invalid bearer token", headers: [.wwwAuthenticate: "Bearer"])
        }
        return try await next(request, context)
    }

    /// The credentials of a `Bearer` authorization (RFC 6750), or `nil` for another scheme.
    static func bearerCredentials(_ header: String) -> [UInt8]? {
        let bytes = Array(header.utf8)
        let scheme = Array("bearer ".utf8)
        guard bytes.count > scheme.count,
            zip(bytes, scheme).allSatisfy({ pair in pair.0 | 0x20 == pair.1 })
        else { return nil }
        return Array(bytes[scheme.count...])
    }

    /// Compares without stopping at the first difference, so timing reveals at most the length.
    static func constantTimeEquals(_ presented: [UInt8], _ expected: [UInt8]) -> Bool {
        guard !expected.isEmpty else { return false }
        var difference = UInt8(presented.count == expected.count ? 0 : 1)
        for index in presented.indices {
            difference |= presented[index] ^ expected[index % expected.count]
        }
        return difference == 0
    }
}

import Hummingbird

/// The per-request context: Hummingbird's core storage, the peer's address, and the request id every
/// response echoes.
public struct ProfileRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// The request's `X-Request-Id` (its own when sane, else a new UUID), set by ``RequestIDMiddleware``.
    public var requestID: String = ""
    /// The peer's IP address, or `-` when unknown.
    public let clientIP: String

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        clientIP = source.channel.remoteAddress?.ipAddress ?? "-"
    }
}

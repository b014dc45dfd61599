import Foundation
import ProfileService

/// Fails with exit code 69 before anything starts when the HTTP port cannot be bound.
enum PortCheck {
    static func ensureAvailable(host: String, port: Int) throws {
        guard port != 0 else { return }
        var hints = addrinfo(
            ai_flags: AI_PASSIVE, ai_family: AF_UNSPEC, ai_socktype: Int32(SOCK_STREAM.rawValue),
            ai_protocol: 0, ai_addrlen: 0, ai_addr: nil, ai_canonname: nil, ai_next: nil)
        var result: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(host, String(port), &hints, &result) == 0, let info = result else {
            throw Failure(message: "configuration error: HTTP_HOST: cannot resolve '\(host)'", code: 78)
        }
        defer { freeaddrinfo(result) }
        let socketDescriptor = socket(info.pointee.ai_family, info.pointee.ai_socktype, info.pointee.ai_protocol)
        guard socketDescriptor >= 0 else { return }
        defer { close(socketDescriptor) }
        var reuse: Int32 = 1
        setsockopt(socketDescriptor, SOL_SOCKET, SO_REUSEADDR, &reuse, socklen_t(MemoryLayout<Int32>.size))
        if bind(socketDescriptor, info.pointee.ai_addr, info.pointee.ai_addrlen) != 0 {
            let reason = String(cString: strerror(errno))
            throw StartupError(.unavailable, "HTTP_PORT: cannot listen on \(host):\(port): \(reason)")
        }
    }
}

import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A minimal HTTP/1.1 client over a plain socket, so the suite can send what no well-behaved client sends
/// (huge headers, broken request lines) and still read `/readyz` and `/healthz`.
enum HTTPProbe {
    /// What came back: the status (nil when the server closed without answering) and the body.
    struct Answer: Sendable, CustomStringConvertible {
        var status: Int?
        var body: String
        var description: String { "\(status.map(String.init) ?? "closed")" }
    }

    /// `GET path` with `headers`, from `host` (an IPv4 address), waiting at most `timeout` for each read or write.
    static func get(
        host: String = "127.0.0.1", port: Int, _ path: String, headers: [(String, String)] = [], timeout: Duration = .seconds(3)
    ) -> Answer {
        var request = "GET \(path) HTTP/1.1\r\nHost: \(host):\(port)\r\nConnection: close\r\n"
        for (name, value) in headers { request += "\(name): \(value)\r\n" }
        return send(host: host, port: port, Array((request + "\r\n").utf8), timeout: timeout)
    }

    /// Sends `bytes` as they are and reads the answer until the server closes (or `timeout` passes without a byte).
    static func send(host: String = "127.0.0.1", port: Int, _ bytes: [UInt8], timeout: Duration = .seconds(3)) -> Answer {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return Answer(status: nil, body: "socket failed") }
        defer { close(fd) }
        let (seconds, attoseconds) = timeout.components
        var timeout = timeval(tv_sec: Int(seconds), tv_usec: Int(attoseconds / 1_000_000_000_000))
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr(host)
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { return Answer(status: nil, body: "connection refused") }
        var sent = 0
        while sent < bytes.count {
            let n = bytes[sent...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard n > 0 else { break }  // the server may answer (and close) before reading everything
            sent += n
        }
        var response: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 16_384)
        while true {
            let n = recv(fd, &buffer, buffer.count, 0)
            guard n > 0 else { break }
            response += buffer[0..<n]
        }
        let text = String(decoding: response, as: UTF8.self)
        let statusLine = text.prefix { $0 != "\r" && $0 != "\n" }
        let parts = statusLine.split(separator: " ")
        let status = parts.count >= 2 && parts[0].hasPrefix("HTTP/") ? Int(parts[1]) : nil
        let body = text.range(of: "\r\n\r\n").map { String(text[$0.upperBound...]) } ?? ""
        return Answer(status: status, body: body)
    }

    /// A TCP port nobody listens on now (bound to 0 and released).
    static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
                bind(fd, pointer, length) == 0 && getsockname(fd, pointer, &length) == 0
            }
        }
        guard bound else { throw SuiteError("could not find a free port") }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}

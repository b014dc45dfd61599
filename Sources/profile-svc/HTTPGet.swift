import Foundation

/// A minimal blocking HTTP/1.1 GET over a POSIX socket (no libcurl in the runtime image).
enum HTTPGet {
    struct Failure: Error {
        var message: String
    }

    /// The status code, and the status line and body as text.
    static func fetch(host: String, port: Int, path: String, timeoutSeconds: Int) throws(Failure) -> (status: Int, text: String) {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var result: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(host, String(port), &hints, &result) == 0, let info = result else {
            throw Failure(message: "cannot resolve \(host)")
        }
        defer { freeaddrinfo(result) }
        let descriptor = socket(info.pointee.ai_family, info.pointee.ai_socktype, info.pointee.ai_protocol)
        guard descriptor >= 0 else { throw Failure(message: "socket: \(String(cString: strerror(errno)))") }
        defer { close(descriptor) }
        // On Linux the send timeout also bounds connect().
        var limit = timeval(tv_sec: timeoutSeconds, tv_usec: 0)
        setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &limit, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(descriptor, SOL_SOCKET, SO_SNDTIMEO, &limit, socklen_t(MemoryLayout<timeval>.size))
        guard connect(descriptor, info.pointee.ai_addr, info.pointee.ai_addrlen) == 0 else {
            throw Failure(message: "cannot connect to \(host):\(port): \(String(cString: strerror(errno)))")
        }
        let request = Array("GET \(path) HTTP/1.1\r\nHost: \(host):\(port)\r\nConnection: close\r\n\r\n".utf8)
        guard send(descriptor, request, request.count, 0) == request.count else {
            throw Failure(message: "cannot send the request: \(String(cString: strerror(errno)))")
        }
        var answer: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = recv(descriptor, &buffer, buffer.count, 0)
            if count < 0 { throw Failure(message: "no answer: \(String(cString: strerror(errno)))") }
            if count == 0 { break }
            answer.append(contentsOf: buffer[..<count])
        }
        let text = String(decoding: answer, as: UTF8.self)
        let statusLine = text.prefix { !$0.isNewline }
        let fields = statusLine.split(separator: " ")
        guard fields.count >= 2, fields[0].hasPrefix("HTTP/"), let status = Int(fields[1]) else {
            throw Failure(message: "not an HTTP answer: \(statusLine)")
        }
        let body = text.range(of: "\r\n\r\n").map { text[$0.upperBound...] } ?? ""
        return (status, "\(statusLine)\n\(body)")
    }
}

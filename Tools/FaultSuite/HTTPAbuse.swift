import Foundation

/// Requests no client should send, with the answers the daemon must give them.
enum HTTPAbuse {
    struct Probe {
        var name: String
        var request: [UInt8]
        /// What is accepted, for the report: a status range, or "4xx or closed" for bytes that are not HTTP.
        var expected: String
        var accepts: (Int?) -> Bool
    }

    static func probes(token: String, knownUser: String) -> [Probe] {
        func get(_ path: String, _ headers: [(String, String)] = []) -> [UInt8] {
            var text = "GET \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
            for (name, value) in headers { text += "\(name): \(value)\r\n" }
            return Array((text + "\r\n").utf8)
        }
        let auth = [("Authorization", "Bearer \(token)")]
        let clientError = { (status: Int?) in status.map { (400..<500).contains($0) } ?? false }
        func probe(_ name: String, _ request: [UInt8], _ expected: Int? = nil) -> Probe {
            if let expected {
                return Probe(name: name, request: request, expected: "\(expected)") { $0 == expected }
            }
            return Probe(name: name, request: request, expected: "4xx", accepts: clientError)
        }
        return [
            probe("known user, no token", get("/v1/profiles/\(knownUser)"), 401),
            probe("wrong token", get("/v1/profiles/\(knownUser)", [("Authorization", "Bearer wrong")]), 401),
            probe("token with a suffix", get("/v1/profiles/\(knownUser)", [("Authorization", "Bearer \(token)x")]), 401),
            probe(
                "Basic scheme", get("/v1/profiles/\(knownUser)", [("Authorization", "Basic \(Data(token.utf8).base64EncodedString())")]),
                401),
            probe("empty Bearer", get("/v1/profiles/\(knownUser)", [("Authorization", "Bearer ")]), 401),
            probe("known user, right token", get("/v1/profiles/\(knownUser)", auth), 200),
            probe("unknown user", get("/v1/profiles/nobody-\(UUID().uuidString)", auth), 404),
            probe("empty user id", get("/v1/profiles/", auth)),
            probe("extra path segment", get("/v1/profiles/a/b", auth)),
            probe("unknown route", get("/nope", auth), 404),
            probe("path traversal", get("/v1/profiles/../../etc/passwd", auth)),
            probe("bad percent-encoding", get("/v1/profiles/%FF%FE%ZZ", auth)),
            probe("user id of 300 bytes", get("/v1/profiles/\(String(repeating: "a", count: 300))", auth), 400),
            probe(
                "POST to a profile",
                Array("POST /v1/profiles/x HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}".utf8)),
            probe("header of 200 KiB", get("/healthz", [("X-Big", String(repeating: "h", count: 200 * 1024))])),
            probe("2000 headers", get("/healthz", (0..<2000).map { ("X-H\($0)", "v") })),
            probe("request line of 100 KiB", get("/" + String(repeating: "p", count: 100 * 1024))),
            probe("not HTTP", Array("HELLO THERE\r\n\r\n".utf8)),
            probe("binary garbage", (0..<512).map { UInt8(truncatingIfNeeded: $0 &* 37) }),
        ]
    }
}

import Foundation
import Testing

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// Requests to a daemon over a real socket.
struct HTTPClient: Sendable {
    let port: Int
    /// Sent as `Authorization: Bearer <token>` when set.
    var token: String?

    init(port: Int, token: String? = nil) {
        self.port = port
        self.token = token
    }

    struct Response: Sendable {
        var status: Int
        var body: Data

        var text: String { String(decoding: body, as: UTF8.self) }

        func json() throws -> [String: Any] {
            try #require(JSONSerialization.jsonObject(with: body) as? [String: Any])
        }
    }

    func get(_ path: String, headers: [String: String] = [:]) async throws -> Response {
        try await send("GET", path, headers: headers)
    }

    func delete(_ path: String) async throws -> Response {
        try await send("DELETE", path, headers: [:])
    }

    private func send(_ method: String, _ path: String, headers: [String: String]) async throws -> Response {
        var request = URLRequest(url: URL(string: "http://127.0.0.1:\(port)\(path)")!)
        request.httpMethod = method
        request.timeoutInterval = 5
        for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
        if let token { request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization") }
        let (body, response) = try await URLSession.shared.data(for: request)
        return Response(status: (response as? HTTPURLResponse)?.statusCode ?? 0, body: body)
    }

    /// The GET's status, or nil when nothing answered.
    func status(_ path: String) async -> Int? {
        try? await get(path).status
    }

    /// The sum of every sample of a metric (all label sets) in `/metrics`.
    func metricTotal(_ name: String) async throws -> Double {
        try await get("/metrics").text.split(separator: "\n")
            .filter { $0.hasPrefix("\(name){") || $0.hasPrefix("\(name) ") }
            .compactMap { $0.split(separator: " ").last.flatMap { Double($0) } }
            .reduce(0, +)
    }
}

import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import ProfileCore
import ProfileStorage
import ProfileStorageSQLite
import Testing

@testable import ProfileService

/// The HTTP API through Hummingbird's test client, over a real SQLite file.
@Suite("HTTP routes", .timeLimit(.minutes(1)))
struct HTTPRouteTests {
    static let authProfile = UserCreatedEvent(
        eventID: UUID(uuidString: "0B9E4C1A-7D2F-4E63-8A5B-1F0C3D2E4A77")!, source: .authService,
        userID: "6f1c2a7e-3b0d-4a55-9d1e-2c4b8f0a9e11", email: "usuario@example.com", displayName: "Nombre \"Completo\"",
        createdAt: 1_696_599_999_999)
    /// A user id that needs percent-encoding (a slash, a space, non-ASCII), with no display name.
    static let awkwardProfile = UserCreatedEvent(
        eventID: UUID(), source: .usersService, userID: "josé/ü 1", email: "jose@example.com", displayName: nil,
        createdAt: 1_751_625_000_000)

    @Test func profileLookupAnswersEveryFieldAsJSON() async throws {
        try await HTTPFixture().test { client in
            let response = try await client.execute(uri: "/v1/profiles/\(Self.authProfile.userID)", method: .get)
            #expect(response.status == .ok)
            #expect(response.headers[.contentType] == "application/json")
            let json = try JSONBody(response)
            #expect(json["user_id"] as? String == Self.authProfile.userID)
            #expect(json["email"] as? String == Self.authProfile.email)
            #expect(json["display_name"] as? String == Self.authProfile.displayName)
            #expect(json["source"] as? String == "auth-svc")
            #expect(json["event_id"] as? String == Self.authProfile.eventID.uuidString.lowercased())
            let createdAt = try #require(json["created_at"] as? String)
            #expect(Timestamp.parseRFC3339(createdAt) == Self.authProfile.createdAt)
            #expect(createdAt.hasSuffix("Z") && createdAt.count == "2023-10-06T13:46:39.999Z".count)
        }
    }

    @Test func percentEncodedUserIDsAreDecodedAndAMissingDisplayNameIsNull() async throws {
        try await HTTPFixture().test { client in
            let encoded = try #require(Self.awkwardProfile.userID.addingPercentEncoding(withAllowedCharacters: .alphanumerics))
            #expect(encoded.contains("%2F"))
            let response = try await client.execute(uri: "/v1/profiles/\(encoded)", method: .get)
            #expect(response.status == .ok)
            let json = try JSONBody(response)
            #expect(json["user_id"] as? String == Self.awkwardProfile.userID)
            #expect(json["source"] as? String == "users-service")
            #expect(json["display_name"] is NSNull)
        }
    }

    @Test func missingProfileIs404WithAJSONError() async throws {
        try await HTTPFixture().test { client in
            let response = try await client.execute(uri: "/v1/profiles/nobody", method: .get)
            #expect(response.status == .notFound)
            try expectJSONError(response)
        }
    }

    @Test(arguments: [
        String(repeating: "a", count: UserCreatedEvent.maxUserIDBytes + 1),
        String(repeating: "%C3%A9", count: UserCreatedEvent.maxUserIDBytes / 2 + 1),  // 258 bytes once decoded
        "%FF", "abc%C3", "%zz", "%",
    ])
    func userIDsThatAreTooLongOrNotUTF8Are400(_ userID: String) async throws {
        try await HTTPFixture().test { client in
            let response = try await client.execute(uri: "/v1/profiles/\(userID)", method: .get)
            #expect(response.status == .badRequest)
            try expectJSONError(response)
        }
    }

    @Test func anEmptyUserIDIs400AndTheLongestAllowedOneIsLookedUp() async throws {
        try await HTTPFixture().test { client in
            for uri in ["/v1/profiles/", "/v1/profiles"] {
                let response = try await client.execute(uri: uri, method: .get)
                #expect(response.status == .badRequest, "\(uri)")
                try expectJSONError(response)
            }
            let longest = String(repeating: "a", count: UserCreatedEvent.maxUserIDBytes)
            #expect(try await client.execute(uri: "/v1/profiles/\(longest)", method: .get).status == .notFound)
        }
    }

    @Test(arguments: ["/", "/v2/profiles/x", "/v1/profiles/a/b", "/metrics/extra", "/v1/users/x"])
    func unknownRoutesAre404WithAJSONError(_ uri: String) async throws {
        try await HTTPFixture().test { client in
            let response = try await client.execute(uri: uri, method: .get)
            #expect(response.status == .notFound)
            try expectJSONError(response)
        }
    }

    @Test(arguments: [
        (HTTPRequest.Method.post, "/v1/profiles/someone"), (.put, "/v1/profiles/someone"), (.put, "/healthz"),
        (.post, "/readyz"), (.patch, "/metrics"), (.post, "/v1/profiles"),
    ])
    func wrongMethodsAre405WithAllow(_ method: HTTPRequest.Method, _ uri: String) async throws {
        try await HTTPFixture().test { client in
            let response = try await client.execute(uri: uri, method: method, body: ByteBuffer(string: "{}"))
            #expect(response.status == .methodNotAllowed)
            #expect(response.headers[.allow] == (uri.hasPrefix("/v1/profiles/") ? "GET, DELETE" : "GET"))
            try expectJSONError(response)
        }
    }

    @Test func everyResponseEchoesASaneRequestID() async throws {
        let fixture = try HTTPFixture(token: "s3cret")
        try await fixture.test { client in
            let requests: [(String, HTTPRequest.Method, HTTPResponse.Status)] = [
                ("/healthz", .get, .ok), ("/readyz", .get, .serviceUnavailable), ("/metrics", .get, .ok),
                ("/v1/profiles/x", .get, .unauthorized), ("/nowhere", .get, .notFound), ("/healthz", .post, .methodNotAllowed),
            ]
            for (index, (uri, method, status)) in requests.enumerated() {
                let requestID = "req-\(index)-\(UUID().uuidString)"
                let response = try await client.execute(uri: uri, method: method, headers: [RequestIDMiddleware.header: requestID])
                #expect(response.status == status, "\(method) \(uri)")
                #expect(response.headers[RequestIDMiddleware.header] == requestID, "\(method) \(uri)")
            }
            var authorized: HTTPFields = [.authorization: "Bearer s3cret", RequestIDMiddleware.header: "trace-42"]
            #expect(
                try await client.execute(uri: "/v1/profiles/nobody", method: .get, headers: authorized)
                    .headers[RequestIDMiddleware.header] == "trace-42")
            authorized[RequestIDMiddleware.header] = "%FF"
            #expect(
                try await client.execute(uri: "/v1/profiles/%FF", method: .get, headers: authorized)
                    .headers[RequestIDMiddleware.header] == "%FF")
        }
    }

    @Test(arguments: [
        String(repeating: "x", count: RequestIDMiddleware.maxLength + 1), "has space", "tab\there", "",
    ])
    func anAbsurdRequestIDIsReplacedByANewOne(_ incoming: String) async throws {
        try await HTTPFixture().test { client in
            for uri in ["/healthz", "/v1/profiles/nobody", "/nowhere"] {
                let response = try await client.execute(uri: uri, method: .get, headers: [RequestIDMiddleware.header: incoming])
                let requestID = try #require(response.headers[RequestIDMiddleware.header])
                #expect(requestID != incoming)
                #expect(UUID(uuidString: requestID) != nil)
            }
        }
    }

    @Test func requestsWithoutAnIDGetDistinctNewOnes() async throws {
        try await HTTPFixture().test { client in
            let first = try await client.execute(uri: "/v1/profiles/nobody", method: .get)
            let second = try await client.execute(uri: "/v1/profiles/nobody", method: .get)
            let ids = [first, second].compactMap { $0.headers[RequestIDMiddleware.header] }
            #expect(ids.count == 2 && ids[0] != ids[1])
            #expect(try JSONBody(first)["request_id"] as? String == ids[0])
        }
    }

    @Test(arguments: [
        nil, "Bearer wrong", "Bearer s3cre", "Bearer s3cret2", "Basic czNjcmV0", "s3cret", "Bearer", "Bearer  s3cret", "Bearers3cret",
    ])
    func v1RejectsAMissingOrWrongBearerToken(_ authorization: String?) async throws {
        try await HTTPFixture(token: "s3cret").test { client in
            var headers: HTTPFields = [:]
            headers[.authorization] = authorization
            let response = try await client.execute(uri: "/v1/profiles/\(Self.authProfile.userID)", method: .get, headers: headers)
            #expect(response.status == .unauthorized)
            #expect(response.headers[.wwwAuthenticate] == "Bearer")
            try expectJSONError(response)
        }
    }

    @Test func v1AcceptsTheRightTokenAndHealthAndMetricsStayOpen() async throws {
        let fixture = try HTTPFixture(token: "s3cret")
        fixture.makeReady()
        try await fixture.test { client in
            for scheme in ["Bearer", "bearer", "BEARER"] {
                let response = try await client.execute(
                    uri: "/v1/profiles/\(Self.authProfile.userID)", method: .get,
                    headers: [.authorization: "\(scheme) s3cret"])
                #expect(response.status == .ok, "\(scheme)")
            }
            #expect(
                try await client.execute(
                    uri: "/v1/profiles/nobody", method: .get,
                    headers: [.authorization: "Bearer s3cret"]
                ).status == .notFound)
            for uri in ["/healthz", "/readyz", "/metrics"] {
                #expect(try await client.execute(uri: uri, method: .get).status == .ok, "\(uri)")
            }
        }
    }

    @Test func healthzAnswers200EvenWhenNotReady() async throws {
        try await HTTPFixture().test { client in
            let response = try await client.execute(uri: "/healthz", method: .get)
            #expect(response.status == .ok)
            #expect(try JSONBody(response)["status"] as? String == "ok")
        }
    }

    @Test func readyzIs503WithTheReasonsUntilHealthSaysReady() async throws {
        let fixture = try HTTPFixture()
        try await fixture.test { client in
            let starting = try await client.execute(uri: "/readyz", method: .get)
            #expect(starting.status == .serviceUnavailable)
            try expectJSONError(starting)
            let reasons = try #require(try JSONBody(starting)["reasons"] as? [String])
            #expect(reasons.contains { $0.hasPrefix("kafka unreachable") })
            #expect(reasons.contains("consumer group not joined"))

            fixture.makeReady()
            let ready = try await client.execute(uri: "/readyz", method: .get)
            #expect(ready.status == .ok)
            #expect(try JSONBody(ready)["status"] as? String == "ready")

            fixture.health.update { $0.databaseError = "database or disk is full" }
            let full = try await client.execute(uri: "/readyz", method: .get)
            #expect(full.status == .serviceUnavailable)
            #expect(try JSONBody(full)["reasons"] as? [String] == ["database not writable: database or disk is full"])

            fixture.health.update {
                $0.databaseError = nil; $0.missingTopics = ["user.created"]
            }
            let missing = try await client.execute(uri: "/readyz", method: .get)
            #expect(try JSONBody(missing)["reasons"] as? [String] == ["missing topics: user.created"])
        }
    }

    @Test func readyzIs503WhenTheDatabaseCannotBeRead() async throws {
        let fixture = try HTTPFixture()
        fixture.makeReady()
        try fixture.database.close()
        try await fixture.test { client in
            let response = try await client.execute(uri: "/readyz", method: .get)
            #expect(response.status == .serviceUnavailable)
            let reasons = try #require(try JSONBody(response)["reasons"] as? [String])
            #expect(reasons.count == 1 && reasons[0].hasPrefix("database not readable"))
        }
    }

    @Test func metricsAreServedInPrometheusTextFormat() async throws {
        let fixture = try HTTPFixture()
        try await fixture.test { client in
            _ = try await client.execute(uri: "/v1/profiles/nobody", method: .get)
            _ = try await client.execute(uri: "/v1/profiles/somebody-else", method: .get)
            _ = try await client.execute(uri: "/healthz", method: .get)
            _ = try await client.execute(uri: "/no/such/route", method: .get)
            _ = try await client.execute(uri: "/healthz", method: try #require(HTTPRequest.Method("BREW")))
            let response = try await client.execute(uri: "/metrics", method: .get)
            #expect(response.status == .ok)
            #expect(response.headers[.contentType]?.hasPrefix("text/plain; version=0.0.4") == true)
            let text = String(buffer: response.body)
            #expect(text.contains("# TYPE profile_profiles_created_total counter"))
            #expect(text.contains("# TYPE profile_http_request_duration_seconds histogram"))
            // By route template and method: two lookups are one series, probes another, no id is a label value.
            let lookup = #"method="GET",route="/v1/profiles/{user_id}""#
            #expect(MetricsText.value(text, "profile_http_requests_total", lookup + #",status="404""#) == 2)
            #expect(MetricsText.value(text, "profile_http_request_duration_seconds_count", lookup) == 2)
            #expect(MetricsText.value(text, "profile_http_requests_total", #"method="GET",route="/healthz",status="200""#) == 1)
            #expect(MetricsText.value(text, "profile_http_requests_total", #"method="GET",route="NotFound",status="404""#) == 1)
            #expect(!text.contains("nobody") && !text.contains("/no/such/route"))
            #expect(text.contains(#"method="OTHER""#) && !text.contains("BREW"), "unusual methods make no series of their own")
            for line in text.split(separator: "\n") where !line.hasPrefix("#") {
                #expect(Double(line.split(separator: " ").last ?? "") != nil, "not a sample: \(line)")
            }
        }
    }

    @Test func accessLogLineCarriesTheRequestFieldsAndTheRequestID() async throws {
        let recorder = LogRecorder()
        let fixture = try HTTPFixture(logger: recorder.logger)
        try await fixture.test(.live) { client in
            let response = try await client.execute(
                uri: "/v1/profiles/nobody", method: .get,
                headers: [RequestIDMiddleware.header: "trace-7"])
            #expect(response.status == .notFound)
        }
        let line = try #require(recorder.entries.first { $0.message == "request" })
        #expect(line.level == .info)
        #expect(line.metadata["method"] == "GET")
        #expect(line.metadata["path"] == "/v1/profiles/nobody")
        #expect(line.metadata["status"] == "404")
        #expect(line.metadata["request_id"] == "trace-7")
        #expect(line.metadata["client_ip"] == "127.0.0.1")
        #expect(line.metadata["duration_ms"].flatMap { Double($0) }.map { $0 >= 0 } == true)
    }

    @Test func hugeHeadersAre400AndTheServerKeepsServing() async throws {
        try await HTTPFixture().test(.live) { client in
            let port = try #require(client.port)
            let huge = try await TestClient.withClient(host: "127.0.0.1", port: port) { raw in
                try await raw.get("/healthz", headers: [HTTPField.Name("X-Padding")!: String(repeating: "p", count: 200_000)])
            }
            #expect((400..<500).contains(huge.status.code))
            let many = try await TestClient.withClient(host: "127.0.0.1", port: port) { raw in
                var headers = HTTPFields()
                for index in 0..<2000 { headers.append(HTTPField(name: HTTPField.Name("X-H\(index)")!, value: "v")) }
                return try await raw.get("/healthz", headers: headers)
            }
            #expect((400..<500).contains(many.status.code))
            #expect(try await client.execute(uri: "/healthz", method: .get).status == .ok)
        }
    }
}

/// An API over a fresh database holding ``HTTPRouteTests/authProfile`` and ``HTTPRouteTests/awkwardProfile``.
struct HTTPFixture {
    let database: SQLiteProfileStore
    let health = ServiceHealth()
    let metrics = ServiceMetrics()
    let token: String?
    let logger: Logger

    init(
        token: String? = nil, options: SQLiteProfileStore.Options = .init(),
        logger: Logger = Logger(label: "test.http", factory: { _ in SwiftLogNoOpLogHandler() })
    ) throws {
        database = try SQLiteProfileStore(
            path: TemporaryDirectory.make().appendingPathComponent("profiles.sqlite").path, options: options)
        _ = try database.applyBlocking([HTTPRouteTests.authProfile, HTTPRouteTests.awkwardProfile], offsets: [], group: "test")
        self.token = token
        self.logger = logger
    }

    /// Marks Kafka reachable and the group joined.
    func makeReady() {
        health.update {
            $0.brokerReachable = true; $0.groupJoined = true
        }
    }

    func test(_ mode: TestingSetup = .router, _ body: @Sendable (any TestClientProtocol) async throws -> Void) async throws {
        let router = HTTPRouter.build(store: database, health: health, metrics: metrics, apiToken: token, logger: logger)
        let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)), logger: logger)
        try await app.test(mode) { client in try await body(client) }
    }
}

/// A response body parsed as a JSON object.
func JSONBody(_ response: TestResponse) throws -> [String: Any] {
    let object = try JSONSerialization.jsonObject(with: Data(response.body.readableBytesView), options: [.fragmentsAllowed])
    return try #require(object as? [String: Any], "not a JSON object: \(String(buffer: response.body))")
}

/// The documented error shape: JSON `{"error": "...", "request_id": "..."}`, the id the header's.
func expectJSONError(_ response: TestResponse, sourceLocation: SourceLocation = #_sourceLocation) throws {
    #expect(response.headers[.contentType] == "application/json", sourceLocation: sourceLocation)
    let json = try JSONBody(response)
    #expect((json["error"] as? String)?.isEmpty == false, sourceLocation: sourceLocation)
    let requestID = try #require(response.headers[RequestIDMiddleware.header], sourceLocation: sourceLocation)
    #expect(json["request_id"] as? String == requestID, sourceLocation: sourceLocation)
}

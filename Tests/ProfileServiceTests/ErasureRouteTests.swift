import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import ProfileCore
import ProfileStorage
import ProfileStorageSQLite
import Testing

@testable import ProfileService

/// `DELETE /v1/profiles/{user_id}` through Hummingbird's test client, over a real SQLite file: never open without a
/// token, the bearer check with one, and a JSON answer saying what it did, also for an unknown user and a repeat.
@Suite("HTTP erasure route", .timeLimit(.minutes(1)))
struct ErasureRouteTests {
    static let path = "/v1/profiles/\(HTTPRouteTests.authProfile.userID)"
    static let authorized: HTTPFields = [.authorization: "Bearer s3cret"]

    @Test func withoutAConfiguredTokenErasingIsRefusedWith403() async throws {
        try await HTTPFixture().test { client in
            let response = try await client.execute(uri: Self.path, method: .delete, headers: [.authorization: "Bearer anything"])
            #expect(response.status == .forbidden)
            try expectJSONError(response)
            #expect((try JSONBody(response)["error"] as? String)?.contains("PROFILE_API_TOKEN") == true)
            #expect(try await client.execute(uri: Self.path, method: .get).status == .ok, "nothing was erased")
        }
    }

    @Test func withATokenErasingNeedsItAndAnswersWhatItDid() async throws {
        try await HTTPFixture(token: "s3cret").test { client in
            let refused = try await client.execute(uri: Self.path, method: .delete)
            #expect(refused.status == .unauthorized)
            try expectJSONError(refused)

            var headers = Self.authorized
            headers[RequestIDMiddleware.header] = "erase-1"
            let erased = try await client.execute(uri: Self.path, method: .delete, headers: headers)
            #expect(erased.status == .ok)
            #expect(erased.headers[RequestIDMiddleware.header] == "erase-1")
            let json = try JSONBody(erased)
            #expect(json["profile"] as? String == "deleted")
            #expect(json["profile_source"] as? String == "auth-svc")
            #expect(json["already_erased"] as? Bool == false)
            #expect(json["erased_sources"] as? [String] == ["auth-svc", "users-service"])
            #expect((json["erasure_subject"] as? String)?.count == 64)
            #expect(json["request_id"] as? String == "erase-1")
            #expect(json["dry_run"] as? Bool == false)
            #expect(!String(buffer: erased.body).contains(HTTPRouteTests.authProfile.userID), "the answer does not repeat the id")
            #expect(try await client.execute(uri: Self.path, method: .get, headers: Self.authorized).status == .notFound)

            let again = try JSONBody(try await client.execute(uri: Self.path, method: .delete, headers: Self.authorized))
            #expect(again["profile"] as? String == "none")
            #expect(again["already_erased"] as? Bool == true)
            #expect(again["erasure_subject"] as? String == json["erasure_subject"] as? String)

            let unknown = try await client.execute(uri: "/v1/profiles/not-yet-created", method: .delete, headers: Self.authorized)
            #expect(unknown.status == .ok)
            #expect(try JSONBody(unknown)["profile"] as? String == "none")
            #expect(try JSONBody(unknown)["already_erased"] as? Bool == false)

            let metrics = String(buffer: try await client.execute(uri: "/metrics", method: .get).body)
            #expect(MetricsText.value(metrics, "profile_erasures_total") == 2)
            #expect(metrics.contains("# TYPE profile_forgotten_events_total counter"))
        }
    }

    @Test func aSourceNarrowsTheErasureAndADryRunChangesNothing() async throws {
        let fixture = try HTTPFixture(token: "s3cret")
        try await fixture.test { client in
            let dryRun = try await client.execute(uri: Self.path + "?dry_run=true", method: .delete, headers: Self.authorized)
            #expect(try JSONBody(dryRun)["profile"] as? String == "deleted")
            #expect(try JSONBody(dryRun)["dry_run"] as? Bool == true)
            #expect(try await client.execute(uri: Self.path, method: .get, headers: Self.authorized).status == .ok)

            let narrowed = try await client.execute(uri: Self.path + "?source=users-service", method: .delete, headers: Self.authorized)
            #expect(try JSONBody(narrowed)["profile"] as? String == "kept")
            #expect(try JSONBody(narrowed)["erased_sources"] as? [String] == ["users-service"])
            #expect(try await client.execute(uri: Self.path, method: .get, headers: Self.authorized).status == .ok)

            for query in ["?source=kafka", "?dry_run=yes"] {
                let bad = try await client.execute(uri: Self.path + query, method: .delete, headers: Self.authorized)
                #expect(bad.status == .badRequest, "\(query)")
                try expectJSONError(bad)
            }
        }
        let later = UserCreatedEvent(
            eventID: UUID(), source: .usersService, userID: HTTPRouteTests.authProfile.userID, email: "x@example.com", displayName: nil,
            createdAt: 0)
        #expect(try fixture.database.applyBlocking([later], offsets: [], group: "test") == [.forgotten])
    }
}

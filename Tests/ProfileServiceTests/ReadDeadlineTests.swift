import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import ProfileStorageSQLite
import TestSupport
import Testing

@testable import ProfileService

/// `PROFILE_DB_READ_TIMEOUT` on SQLite, over a socket: while another process holds the database's read locks, a
/// lookup answers a JSON 503 and `/readyz` says why within the deadline, however many lookups arrive; once the locks
/// are released, both answer 200 again.
@Suite("Read deadline on SQLite", .timeLimit(.minutes(1)))
struct ReadDeadlineTests {
    /// Short, so the test is: the bound on the answer is this plus ``margin``.
    static let readTimeout: Duration = .milliseconds(500)
    /// What a loaded machine may add to the deadline (scheduling, the request's round trip).
    static let margin: Duration = .seconds(2)

    @Test func lookupsAndReadinessAnswer503WithinTheDeadlineWhileTheDatabaseIsHeldAnd200OnceReleased() async throws {
        var options = SQLiteProfileStore.Options()
        options.readTimeout = Self.readTimeout
        let fixture = try HTTPFixture(options: options)
        fixture.makeReady()
        let lookup = "/v1/profiles/\(HTTPRouteTests.authProfile.userID)"
        try await fixture.test(.live) { client in
            #expect(try await client.execute(uri: lookup, method: .get).status == .ok)
            #expect(try await client.execute(uri: "/readyz", method: .get).status == .ok)

            let locks = try WALReadLocks(database: fixture.database.path)
            defer { locks.release() }
            // More lookups than the pool has reader connections (5): those still held by abandoned reads do not
            // hold up the next lookups past their deadline either.
            for _ in 0..<7 {
                let (response, answeredAfter) = try await timed { try await client.execute(uri: lookup, method: .get) }
                #expect(response.status == .serviceUnavailable)
                try expectJSONError(response)
                #expect(try JSONBody(response)["error"] as? String == "the profile store is not available; retry later")
                #expect(answeredAfter >= Self.readTimeout, "answered after \(answeredAfter): the read was not held up")
                #expect(answeredAfter < Self.readTimeout + Self.margin, "answered after \(answeredAfter)")
            }
            let (notReady, answeredAfter) = try await timed { try await client.execute(uri: "/readyz", method: .get) }
            #expect(notReady.status == .serviceUnavailable)
            #expect(answeredAfter < Self.readTimeout + Self.margin, "answered after \(answeredAfter)")
            let reasons = try #require(JSONBody(notReady)["reasons"] as? [String])
            #expect(reasons.count == 1, "\(reasons)")
            #expect(
                reasons.first?.hasPrefix("database not readable: no answer from the SQLite database at \(fixture.database.path) within ")
                    == true, "\(reasons)")

            locks.release()
            try await eventually("the lookup to answer 200 again") {
                try await client.execute(uri: lookup, method: .get).status == .ok
            }
            #expect(
                try JSONBody(try await client.execute(uri: lookup, method: .get))["user_id"] as? String == HTTPRouteTests.authProfile.userID
            )
            #expect(try await client.execute(uri: "/readyz", method: .get).status == .ok)
        }
    }

    /// `body`'s value and how long it took.
    private func timed<T>(_ body: () async throws -> T) async throws -> (T, Duration) {
        let started = ContinuousClock.now
        let value = try await body()
        return (value, ContinuousClock.now - started)
    }
}

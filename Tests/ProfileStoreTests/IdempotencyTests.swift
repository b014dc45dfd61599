import Foundation
import ProfileCore
import ProfileStorage
import TestSupport
import Testing

/// An event id seen before changes nothing; one profile per user, the first one wins: the outcome rules, on
/// both backends.
@Suite("Idempotent writes", .timeLimit(.minutes(1)))
struct IdempotencyTests {

    @Test(arguments: StoreBackend.allCases) func anEventCreatesItsProfileWithEveryField(backend: StoreBackend) async throws {
        let store = try await backend.open()
        let database = store.storage
        let authEvent = SampleEvent.make(user: "6f1c2a7e-3b0d-4a55-9d1e-2c4b8f0a9e11", displayName: "Nombre Completo 😀")
        let usersEvent = SampleEvent.make(user: "1", displayName: nil, source: .usersService, createdAt: -1)
        #expect(try await database.apply([authEvent, usersEvent], offsets: [], group: "g") == [.created, .created])
        #expect(try await database.profile(userID: authEvent.userID) == SampleEvent.profile(of: authEvent))
        #expect(try await database.profile(userID: usersEvent.userID) == SampleEvent.profile(of: usersEvent))
        #expect(try await database.profile(userID: "2") == nil)
    }

    @Test(arguments: StoreBackend.allCases) func theSameEventTwiceChangesNothing(backend: StoreBackend) async throws {
        let store = try await backend.open()
        let database = store.storage
        let event = SampleEvent.make(user: "user-a")
        #expect(try await database.apply([event], offsets: [], group: "g") == [.created])
        #expect(try await database.apply([event], offsets: [], group: "g") == [.eventIDSeen])
        #expect(try await database.counts() == (profiles: 1, events: 1))
        #expect(try await database.profile(userID: "user-a") == SampleEvent.profile(of: event))
    }

    @Test(arguments: StoreBackend.allCases) func theSameEventIDWithOtherContentChangesNothing(backend: StoreBackend) async throws {
        let store = try await backend.open()
        let database = store.storage
        let event = SampleEvent.make(user: "user-a")
        _ = try await database.apply([event], offsets: [], group: "g")
        var changed = SampleEvent.make(
            user: "user-b", eventID: event.eventID, email: "other@example.org",
            displayName: "Other", source: .usersService, createdAt: 5)
        #expect(try await database.apply([changed], offsets: [], group: "g") == [.eventIDSeen])
        changed.userID = "user-a"
        #expect(try await database.apply([changed], offsets: [], group: "g") == [.eventIDSeen])
        #expect(try await database.counts() == (profiles: 1, events: 1))
        #expect(try await database.profile(userID: "user-a") == SampleEvent.profile(of: event))
        #expect(try await database.profile(userID: "user-b") == nil)
    }

    @Test(arguments: StoreBackend.allCases) func aNewEventForAnExistingUserKeepsTheFirstProfile(backend: StoreBackend) async throws {
        let store = try await backend.open()
        let database = store.storage
        let first = SampleEvent.make(user: "user-a", email: "first@example.com")
        let second = SampleEvent.make(user: "user-a", email: "second@example.com", source: .usersService, createdAt: 1)
        #expect(try await database.apply([first], offsets: [], group: "g") == [.created])
        #expect(try await database.apply([second], offsets: [], group: "g") == [.userExists])
        #expect(try await database.apply([second], offsets: [], group: "g") == [.eventIDSeen])
        #expect(try await database.counts() == (profiles: 1, events: 2))
        #expect(try await database.profile(userID: "user-a") == SampleEvent.profile(of: first))
    }

    @Test(arguments: StoreBackend.allCases) func outcomesWithinOneBatchFollowItsOrder(backend: StoreBackend) async throws {
        let store = try await backend.open()
        let database = store.storage
        let first = SampleEvent.make(user: "user-a")
        let sameUser = SampleEvent.make(user: "user-a", email: "later@example.com")
        let other = SampleEvent.make(user: "user-b")
        let outcomes = try await database.apply([first, sameUser, first, other, sameUser], offsets: [], group: "g")
        #expect(outcomes == [.created, .userExists, .eventIDSeen, .created, .eventIDSeen])
        #expect(try await database.counts() == (profiles: 2, events: 3))
        #expect(try await database.profile(userID: "user-a") == SampleEvent.profile(of: first))
    }

    @Test(arguments: StoreBackend.allCases) func anEventWhoseIDSortsFirstStillComesAfterTheEarlierEventOfItsUser(backend: StoreBackend)
        async throws
    {
        let store = try await backend.open()
        let database = store.storage
        // The apply inserts in key order; the outcome must still follow the batch's order.
        let later = SampleEvent.make(user: "user-a", eventID: UUID(uuidString: "00000000-0000-4000-8000-000000000000")!)
        let earlier = SampleEvent.make(user: "user-a", eventID: UUID(uuidString: "FFFFFFFF-FFFF-4FFF-BFFF-FFFFFFFFFFFF")!)
        #expect(try await database.apply([earlier, later], offsets: [], group: "g") == [.created, .userExists])
        #expect(try await database.profile(userID: "user-a") == SampleEvent.profile(of: earlier))
    }

    @Test(arguments: StoreBackend.allCases) func aDuplicateEventLeavesTheUserToTheNextEventOfTheBatch(backend: StoreBackend) async throws {
        let store = try await backend.open()
        let database = store.storage
        let seen = SampleEvent.make(user: "user-z")
        _ = try await database.apply([seen], offsets: [], group: "g")
        let replayedForAnotherUser = SampleEvent.make(user: "user-a", eventID: seen.eventID)
        let next = SampleEvent.make(user: "user-a")
        #expect(try await database.apply([replayedForAnotherUser, next], offsets: [], group: "g") == [.eventIDSeen, .created])
        #expect(try await database.profile(userID: "user-a") == SampleEvent.profile(of: next))
    }

    @Test(arguments: StoreBackend.allCases) func randomBatchesGiveTheOutcomesOfApplyingOneEventAtATime(backend: StoreBackend) async throws {
        let store = try await backend.open()
        let database = store.storage
        // 2,000 events over 150 users and 900 event ids (so repeats of both, within and across batches),
        // compared with the rule applied event by event.
        var random = SplitMix64(seed: 7)
        let ids = (0..<900).map { _ in UUID() }
        let events = (0..<2000).map { _ in
            SampleEvent.make(
                user: "user-\(random.next() % 150)", eventID: ids[Int(random.next() % 900)], email: "e\(random.next() % 1000)@x.org")
        }
        var seenIDs: Set<UUID> = []
        var firstEventOfUser: [String: UserCreatedEvent] = [:]
        var expected: [EventOutcome] = []
        for event in events {
            if !seenIDs.insert(event.eventID).inserted {
                expected.append(.eventIDSeen)
            } else if firstEventOfUser[event.userID] == nil {
                firstEventOfUser[event.userID] = event
                expected.append(.created)
            } else {
                expected.append(.userExists)
            }
        }
        var outcomes: [EventOutcome] = []
        for start in stride(from: 0, to: events.count, by: 500) {
            outcomes += try await database.apply(Array(events[start..<start + 500]), offsets: [], group: "g")
        }
        #expect(outcomes == expected)
        #expect(try await database.counts() == (profiles: firstEventOfUser.count, events: seenIDs.count))
        for (user, event) in firstEventOfUser {
            #expect(try await database.profile(userID: user) == SampleEvent.profile(of: event))
        }
    }
}

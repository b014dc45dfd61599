import Foundation
import Kafka

/// The final check of a scenario: the database and the DLQ against what was produced.
enum Verification {
    /// Fills `result`'s counts from the scenario's store and the DLQ topic. The `erased` users must have no profile (one
    /// would be resurrected: counted as duplicated); their events are in the ledger like every other.
    static func check(
        _ log: ProducedLog.State, store scenarioStore: ScenarioStore, topics: ScenarioTopics, erased: Set<String> = [],
        into result: inout ScenarioResult
    ) async throws {
        let store = try await scenarioStore.snapshot()
        let (dlq, trimmed) = try await DeadLetterReader.readAll(topics.deadLetter, bootstrapServers: topics.bootstrapServers)
        result.expect(!trimmed, "the mock broker's 5 MiB retention trimmed the DLQ (give it more partitions)")
        result.produced = log.produced
        result.profiles = store.profiles.count

        let ledgerIDs = Set(store.ledger.keys)
        let repeatedEvents = store.ledgerRows - store.ledger.count
        let repeatedProfiles = store.profileRows - store.profiles.count
        let missingEvents = log.eventIDs.subtracting(ledgerIDs)
        let extraEvents = ledgerIDs.subtracting(log.eventIDs)
        let missingProfiles = Set(log.firstEventByUser.keys).subtracting(store.profiles.keys).subtracting(erased)
        let extraProfiles = Set(store.profiles.keys).subtracting(log.firstEventByUser.keys)
        let resurrected = Set(store.profiles.keys).intersection(erased)
        let wrongCreator = store.profiles.filter { user, event in log.firstEventByUser[user].map { $0 != event } ?? false }
        let created = store.ledger.values.filter { $0 == .created }.count
        // An erased user's creating event stays "created" in the ledger; its profile is gone.
        let createdThenErased = erased.compactMap { log.firstEventByUser[$0] }.filter { store.ledger[$0] == .created }.count
        let overCreated = max(0, created - store.profiles.count - createdThenErased)

        var dlqClasses: [MessageCoordinates: String] = [:]
        var unreadable = 0
        for entry in dlq {
            guard let original = entry.original else { unreadable += 1; continue }
            dlqClasses[original] = entry.errorClass ?? "?"
        }
        let expectedPoison = Set(log.poison.keys)
        let missingPoison = expectedPoison.subtracting(dlqClasses.keys)
        let wronglyDeadLettered = Set(dlqClasses.keys).subtracting(expectedPoison)
        let misclassified = log.poison.filter { coordinates, errorClass in
            dlqClasses[coordinates].map { $0 != errorClass.rawValue } ?? false
        }
        result.deadLettered = dlqClasses.keys.filter(expectedPoison.contains).count
        result.deadLetterCopies = dlq.count - dlqClasses.count - unreadable

        result.lost = missingEvents.count + missingProfiles.count + missingPoison.count
        result.duplicated =
            extraEvents.count + repeatedEvents + extraProfiles.count + repeatedProfiles + overCreated + resurrected.count
        result.expect(resurrected.isEmpty, "\(resurrected.count) erased users have a profile again, e.g. \(Array(resurrected.prefix(3)))")
        result.expect(missingEvents.isEmpty, "\(missingEvents.count) valid event ids missing from the ledger")
        result.expect(missingProfiles.isEmpty, "\(missingProfiles.count) users without a profile, e.g. \(Array(missingProfiles.prefix(3)))")
        result.expect(
            missingPoison.isEmpty,
            "\(missingPoison.count) poison messages not in the DLQ, e.g. \(missingPoison.prefix(3).map(\.description))")
        result.expect(extraEvents.isEmpty, "\(extraEvents.count) ledger rows for events never produced")
        result.expect(repeatedEvents == 0, "\(repeatedEvents) event ids in the ledger twice")
        result.expect(extraProfiles.isEmpty, "\(extraProfiles.count) profiles for users never produced")
        result.expect(repeatedProfiles == 0, "\(repeatedProfiles) users with a second profile")
        result.expect(overCreated == 0, "\(overCreated) ledger rows say 'created' beyond the profiles")
        result.expect(wrongCreator.isEmpty, "\(wrongCreator.count) profiles created by a later event than the user's first")
        result.expect(
            wronglyDeadLettered.isEmpty,
            "\(wronglyDeadLettered.count) valid messages dead-lettered, e.g. \(wronglyDeadLettered.prefix(3).map(\.description))")
        result.expect(
            misclassified.isEmpty,
            "\(misclassified.count) dead letters with the wrong class, e.g. "
                + misclassified.prefix(3).map { "\($0.key): expected \($0.value.rawValue), got \(dlqClasses[$0.key] ?? "-")" }.joined(
                    separator: ", "))
        result.expect(unreadable == 0, "\(unreadable) DLQ messages without dlq.original.* headers")
        result.notes.append(
            "ledger \(store.ledgerRows) rows = \(log.eventIDs.count) unique valid event ids; "
                + "profiles = \(log.firstEventByUser.count) users"
        )
    }

    /// Waits until the offsets stored in the store cover everything produced (every message processed,
    /// poison included), or `timeout` passes. Returns whether it got there.
    static func waitUntilProcessed(_ log: ProducedLog, store: ScenarioStore, group: String, timeout: Duration) async -> Bool {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            let stored = await store.storedOffsets(group: group)
            if log.snapshot.ends.allSatisfy({ (stored[$0.key] ?? 0) >= $0.value }) { return true }
            try? await Task.sleep(for: .milliseconds(250))
        }
        return false
    }
}

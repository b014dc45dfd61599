import Foundation
import ProfileCore
import ProfileStorage
import ProfileStorageSQLite

/// A store whose ledger pruning a test steps through: each ``pruneLedger(appliedBefore:after:limit:)`` call prunes
/// the inner store's ledger, then is announced on ``calls`` with its chunk and waits for the test's answer, which
/// lets it return or makes it fail. Everything else goes straight to the inner store.
final class SteppedPruningStore: ProfileStore {
    /// What a waiting call does next.
    enum Answer: Sendable {
        case proceed
        /// Throws ``InjectedFailure``, as a store that is unavailable for a moment would.
        case fail
    }

    /// A call waiting for its answer.
    struct Call: Sendable {
        /// What the inner store's prune did.
        let chunk: LedgerPruneChunk
        let answer: @Sendable (Answer) -> Void
    }

    struct InjectedFailure: Error {}

    let calls: AsyncStream<Call>
    private let announce: AsyncStream<Call>.Continuation
    private let inner: SQLiteProfileStore

    init(_ inner: SQLiteProfileStore) {
        self.inner = inner
        (calls, announce) = AsyncStream.makeStream()
    }

    func pruneLedger(appliedBefore cutoff: Date, after cursor: UUID?, limit: Int) async throws -> LedgerPruneChunk {
        let chunk = try await inner.pruneLedger(appliedBefore: cutoff, after: cursor, limit: limit)
        let answer = await withCheckedContinuation { (waiting: CheckedContinuation<Answer, Never>) in
            announce.yield(Call(chunk: chunk) { waiting.resume(returning: $0) })
        }
        guard answer == .proceed else { throw InjectedFailure() }
        return chunk
    }

    func apply(_ events: [UserCreatedEvent], offsets: [StoredOffset], group: String) async throws -> [EventOutcome] {
        try await inner.apply(events, offsets: offsets, group: group)
    }

    func claim(_ partitions: [PartitionKey], group: String) async throws -> PartitionClaims {
        try await inner.claim(partitions, group: group)
    }

    func preview(_ events: [UserCreatedEvent], rule: inout OutcomeRule) async throws -> [EventOutcome] {
        try await inner.preview(events, rule: &rule)
    }

    func profile(userID: String) async throws -> Profile? {
        try await inner.profile(userID: userID)
    }

    func storedOffsets(group: String) async throws -> [StoredOffset] {
        try await inner.storedOffsets(group: group)
    }

    func replaceStoredOffsets(_ offsets: [StoredOffset], group: String) async throws {
        try await inner.replaceStoredOffsets(offsets, group: group)
    }

    func erase(userID: String, sources: ErasedSources, dryRun: Bool) async throws -> ErasureOutcome {
        try await inner.erase(userID: userID, sources: sources, dryRun: dryRun)
    }

    func erasedUserCount() async throws -> Int {
        try await inner.erasedUserCount()
    }

    func erasureSubject(of userID: String) async throws -> ErasureSubject? {
        try await inner.erasureSubject(of: userID)
    }

    func counts() async throws -> (profiles: Int, events: Int) {
        try await inner.counts()
    }

    func ping() async throws {
        try await inner.ping()
    }

    func run() async throws {
        try await inner.run()
    }

    /// Ends ``calls`` and closes the inner database.
    func close() throws {
        announce.finish()
        try inner.close()
    }
}

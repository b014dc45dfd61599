import Logging
import ProfileCore
import ProfileStorage

/// Erasing a user, as `profile-svc profiles erase` and `DELETE /v1/profiles/{user_id}` both do it: the store's
/// erasure (``ProfileStore/erase(userID:sources:dryRun:)``), then one `info` line.
///
/// The line carries the erasure subject and the request id, never the user id: a user id is pseudonymous personal
/// data (with the upstream's records it names a person), and a log line that says "this id was erased" would
/// outlive the erasure in every log store. The subject is what the forgotten events' lines carry too, so an
/// operator can follow an erasure without the id.
public struct ProfileEraser: Sendable {
    let store: any ProfileStore
    let logger: Logger

    public init(store: any ProfileStore, logger: Logger) {
        self.store = store
        self.logger = logger
    }

    /// Erases `userID` for `sources` (or says what it would do, `dryRun`) and logs it, with `requestID` (the HTTP
    /// request's, or the command's own).
    public func erase(userID: String, sources: ErasedSources, dryRun: Bool, requestID: String) async throws -> ErasureOutcome {
        let outcome = try await store.erase(userID: userID, sources: sources, dryRun: dryRun)
        var metadata: Logger.Metadata = [
            "erasure_subject": .string(outcome.subject?.hex ?? "none yet"),
            "erased_sources": .string(outcome.erasedSources.sources.map(\.rawValue).joined(separator: ",")),
            "already_erased": .stringConvertible(outcome.alreadyErased),
            "profile": .string(outcome.profile.rawValue),
            "request_id": .string(requestID),
        ]
        if let residue = outcome.residue { metadata["residue"] = .string(residue) }
        logger.info(dryRun ? "user erasure previewed (dry run: nothing changed)" : "user erased", metadata: metadata)
        return outcome
    }
}

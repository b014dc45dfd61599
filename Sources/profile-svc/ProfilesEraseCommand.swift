import ArgumentParser
import Foundation
import ProfileCore
import ProfileService
import ProfileStorage

/// `profile-svc profiles erase`: erases one user's profile for good, on the store the configuration names, while
/// the daemons run.
struct ProfilesEraseCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "erase",
        abstract: "Erase one user's profile for good: later creation events for the user create nothing.",
        discussion: """
            Deletes the profile and records the erasure: a keyed hash of the user id (PROFILE_ERASURE_KEY), never \
            the id. Every later creation event for the user, however it arrives (re-sent, dlq replay or reprocess, \
            read again after an offsets reset, by another replica), is then recorded as forgotten and creates \
            nothing. A user with no profile yet is recorded all the same; erasing again changes nothing. Safe while \
            the daemons run, on SQLite and PostgreSQL. Not erased: the messages in the Kafka topics and the DLQ \
            (see the README's runbook). Exit codes: 0 done, 64 usage, 78 configuration, 69 the database unavailable.
            """
    )

    @OptionGroup var options: CommonOptions

    @Option(name: .customLong("user-id"), help: "The user id as the events carry it (auth-svc payload.user_id; users-service data.id).")
    var userID: String

    @Option(
        help: ArgumentHelp(
            "Only this source's events for the id (default: both).",
            discussion: "For when the two upstreams use the same id for different people and only one of them asked."))
    var source: EventSource?

    @Flag(help: "Print what would be erased, and change nothing.") var dryRun = false
    @Flag(help: "Print one JSON object.") var json = false

    func validate() throws {
        guard !userID.isEmpty else { throw ValidationError("--user-id must not be empty") }
        guard userID.utf8.count <= UserCreatedEvent.maxUserIDBytes else {
            throw ValidationError("--user-id is longer than \(UserCreatedEvent.maxUserIDBytes) bytes")
        }
    }

    func run() async throws {
        try await exitingOnFailure {
            let configuration = try options.loadConfiguration()
            LoggingSetup.bootstrap(configuration, stream: .standardError)
            let store = try StoreOpening.open(configuration)
            let requestID = UUID().uuidString.lowercased()
            let eraser = ProfileEraser(store: store, logger: configuration.logger("profile-svc.erasure"))
            let outcome = try await store.whileRunning {
                do {
                    return try await eraser.erase(
                        userID: userID, sources: source.map(ErasedSources.init) ?? .all, dryRun: dryRun, requestID: requestID)
                } catch let mismatch as ErasureKeyMismatch {
                    throw Failure(message: mismatch.description, code: 78)
                } catch {
                    throw Failure(message: "the profile store is not available; nothing was erased: \(error)", code: 69)
                }
            }
            print(json ? ErasureOutput.json(outcome, requestID: requestID) : ErasureOutput.text(outcome), terminator: json ? "\n" : "")
        }
    }
}

extension EventSource: ExpressibleByArgument {}

import ProfileService

/// Turns what a `dlq` command did not expect (a fatal Kafka client error, a database failure) into an
/// infrastructure failure: one line and exit 69, rather than a stack of Swift errors.
enum DeadLetterFailure {
    static func mapping<T>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let error as StartupError {
            throw error
        } catch {
            throw StartupError(.unavailable, "\(error)")
        }
    }
}

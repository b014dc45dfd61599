import PostgresNIO
import ProfileStorage

/// A PostgreSQL failure as an operator can read it: what failed, the server's SQLSTATE and message, or the
/// connection's error. postgres-nio's own description hides all of it (to keep data out of logs); this one
/// shows what the server said and never the password, which no error of the protocol carries.
public struct PostgresStoreError: Error, Sendable, CustomStringConvertible {
    public var description: String

    init(_ error: any Error) {
        description = Self.describe(error)
    }

    init(description: String) {
        self.description = description
    }

    private static func describe(_ error: any Error) -> String {
        switch error {
        case let error as PostgresStoreError:
            return error.description
        case let error as PSQLError:
            var parts = ["\(error.code)"]
            if let state = error.serverInfo?[.sqlState] { parts.append("SQLSTATE \(state)") }
            if let message = error.serverInfo?[.message] { parts.append(message) }
            if error.serverInfo == nil, let underlying = error.underlying { parts.append("\(underlying)") }
            return "PostgreSQL: " + parts.joined(separator: ": ")
        default:
            return "\(error)"
        }
    }

    /// Runs `body`, turning its failures into this error; ``ProfileStore/PartitionsFenced`` and
    /// ``ProfileStore/ErasureKeyMismatch`` pass unchanged.
    static func translating<T>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let fenced as PartitionsFenced {
            throw fenced
        } catch let mismatch as ErasureKeyMismatch {
            throw mismatch
        } catch let error as PostgresStoreError {
            throw error
        } catch {
            throw PostgresStoreError(error)
        }
    }
}

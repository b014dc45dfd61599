import Foundation
import NIOSSL
import PostgresNIO

/// Where the PostgreSQL store is and how to reach it, read from a `postgres://` URL (`PROFILE_DB_URL`).
///
/// The password is kept out of every description: ``redactedURL`` is what logs, errors and `/readyz` show.
public struct PostgresSettings: Sendable, Equatable {
    /// libpq's `sslmode` values this service understands.
    public enum SSLMode: String, Sendable, CaseIterable {
        /// Plain TCP.
        case disable
        /// TLS when the server offers it, else plain TCP; the certificate is not checked (libpq's default).
        case prefer
        /// TLS, or no connection; the certificate is not checked (as libpq's `require`).
        case require
        /// TLS with the certificate checked against the system's roots and the host name.
        case verifyFull = "verify-full"
    }

    public var host: String
    public var port: Int
    public var user: String
    /// The password; from the URL or `PROFILE_DB_PASSWORD_FILE`.
    public var password: String?
    public var database: String
    public var sslMode: SSLMode
    /// Sent as `application_name`, shown in `pg_stat_activity`.
    public var applicationName: String
    /// Most connections one process opens: the worker's writes, the claims and every HTTP lookup share them.
    public var maximumConnections = 8
    /// Longest a call waits for a connection before it fails (the server unreachable, or every connection busy).
    public var leaseTimeout: Duration = .seconds(5)
    /// Longest a lookup or a readiness check takes, the wait for a connection included: past it the call fails (the
    /// HTTP API answers 503) and its connection is closed, never reused while a statement on it may be stuck.
    public var readTimeout: Duration = .milliseconds(800)
    /// Longest any other call (a batch's transaction, a claim) takes, the wait for a connection included; past it the
    /// call fails, to be retried, and its connection is closed.
    public var writeTimeout: Duration = .seconds(30)
    /// The server-side bounds the service sets on its own sessions (startup parameters), so that a replica that
    /// freezes or loses its network cannot hold others' work hostage: a statement runs at most
    /// ``writeTimeout``, a lock is waited for at most 5 s, a transaction left idle (its client frozen or cut
    /// off) is ended after 5 s, its locks released, and a statement whose client has closed the connection (a call
    /// abandoned, past its deadline) is ended within 1 s rather than run to its end (PostgreSQL 14 or later).
    var sessionParameters: [(String, String)] {
        [
            ("application_name", applicationName),
            ("statement_timeout", "\(writeTimeout.components.seconds * 1000)"),
            ("lock_timeout", "5000"),
            ("idle_in_transaction_session_timeout", "5000"),
            ("client_connection_check_interval", "1000"),
        ]
    }

    /// Why a URL was refused, in words for an operator.
    public struct InvalidURL: Error, Sendable, CustomStringConvertible {
        public var reason: String
        public var description: String { reason }
    }

    /// Reads `postgres://user[:password]@host[:port]/database[?sslmode=…&application_name=…]` (`postgresql://` too).
    ///
    /// - Throws: ``InvalidURL`` saying what is wrong; the reason never contains the password.
    public init(url text: String) throws(InvalidURL) {
        guard let url = URLComponents(string: text.trimmingCharacters(in: .whitespaces)) else {
            throw InvalidURL(reason: "is not a URL (expected postgres://user:password@host:5432/database)")
        }
        guard url.scheme == "postgres" || url.scheme == "postgresql" else {
            throw InvalidURL(reason: "must start with postgres:// or postgresql://")
        }
        guard let host = url.host, !host.isEmpty else { throw InvalidURL(reason: "names no host") }
        guard let user = url.user?.removingPercentEncoding, !user.isEmpty else { throw InvalidURL(reason: "names no user") }
        let database = String(url.path.drop(while: { $0 == "/" }))
        guard !database.isEmpty, !database.contains("/") else { throw InvalidURL(reason: "names no database (…/database)") }
        if let port = url.port, !(1...65535).contains(port) { throw InvalidURL(reason: "has port \(port), not from 1 to 65535") }
        var sslMode = SSLMode.prefer
        var applicationName = "profile-svc"
        for item in url.queryItems ?? [] {
            switch item.name {
            case "sslmode":
                guard let mode = item.value.flatMap(SSLMode.init(rawValue:)) else {
                    throw InvalidURL(
                        reason: "sslmode '\(item.value ?? "")' is not one of \(SSLMode.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                sslMode = mode
            case "application_name":
                guard let name = item.value, !name.isEmpty else { throw InvalidURL(reason: "application_name is empty") }
                applicationName = name
            default:
                throw InvalidURL(reason: "has an unknown parameter '\(item.name)' (known: sslmode, application_name)")
            }
        }
        self.host = host
        self.port = url.port ?? 5432
        self.user = user
        self.password = url.password?.removingPercentEncoding
        self.database = database.removingPercentEncoding ?? database
        self.sslMode = sslMode
        self.applicationName = applicationName
    }

    /// The URL with the password replaced by `***`: for logs, errors and readiness.
    public var redactedURL: String {
        let credentials = password == nil ? user : "\(user):***"
        return "postgres://\(credentials)@\(host):\(port)/\(database)?sslmode=\(sslMode.rawValue)&application_name=\(applicationName)"
    }

    /// postgres-nio's client configuration for these settings.
    public var clientConfiguration: PostgresClient.Configuration {
        var configuration = PostgresClient.Configuration(
            host: host, port: port, username: user, password: password, database: database, tls: tls)
        configuration.options.additionalStartupParameters = sessionParameters
        configuration.options.maximumConnections = maximumConnections
        configuration.options.connectTimeout = .seconds(3)
        return configuration
    }

    private var tls: PostgresClient.Configuration.TLS {
        var unverified = TLSConfiguration.makeClientConfiguration()
        unverified.certificateVerification = .none
        switch sslMode {
        case .disable: return .disable
        case .prefer: return .prefer(unverified)
        case .require: return .require(unverified)
        case .verifyFull: return .require(.makeClientConfiguration())
        }
    }
}

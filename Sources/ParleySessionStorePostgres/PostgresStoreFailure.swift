import Foundation
import NIOSSL
import PostgresNIO

/// Why a store operation failed, in words for `503 store_unavailable` and the log. PSQLError's own
/// description is deliberately opaque, so this reads its code and the server's fields.
enum PostgresStoreFailure: Error, CustomStringConvertible {
    case closed
    case timedOut(Duration)
    case noToken(String)
    case postgres(PSQLError)
    case other(any Error)

    init(_ error: any Error) {
        switch error {
        case let failure as PostgresStoreFailure: self = failure
        case let error as PSQLError: self = .postgres(error)
        default: self = .other(error)
        }
    }

    /// A connection-level failure: another connection from the pool may well work.
    var isConnectionLost: Bool {
        guard case .postgres(let error) = self else { return false }
        return [.serverClosedConnection, .connectionError, .uncleanShutdown, .clientClosedConnection].contains(error.code)
    }

    var description: String {
        switch self {
        case .closed:
            return "the store is shutting down"
        case .timedOut(let limit):
            return "PostgreSQL did not answer within \(limit.components.seconds) s"
        case .noToken(let reason):
            return "no Microsoft Entra token for PostgreSQL: \(reason)"
        case .postgres(let error):
            return Self.describe(error)
        case .other(let error):
            return Self.describeUnderlying(error)
        }
    }

    static func describe(_ error: PSQLError) -> String {
        if let info = error.serverInfo {
            let state = info[.sqlState] ?? "?"
            let message = info[.message] ?? "error"
            // 28P01 invalid_password, 28000 invalid_authorization_specification (PostgreSQL 15 Appendix A).
            if state == "28P01" || state == "28000" {
                return "PostgreSQL refused the login (\(state)): \(message)"
            }
            return "PostgreSQL error \(state): \(message)"
        }
        switch error.code {
        case .connectionError:
            return "cannot connect to PostgreSQL" + (error.underlying.map { " (\(describeUnderlying($0)))" } ?? "")
        case .serverClosedConnection, .uncleanShutdown:
            return "PostgreSQL closed the connection"
        case .sslUnsupported:
            return "PostgreSQL does not offer TLS, which sslmode requires"
        case .failedToAddSSLHandler:
            return "TLS could not be set up"
        case .saslError, .unsupportedAuthMechanism, .authMechanismRequiresPassword:
            return "PostgreSQL authentication failed (\(error.code))"
        case .poolClosed, .clientClosedConnection:
            return "the connection pool is closed"
        default:
            return "PostgreSQL failed (\(error.code))"
        }
    }

    static func describeUnderlying(_ error: any Error) -> String {
        if let ssl = error as? NIOSSLError { return "TLS: \(ssl)" }
        let text = String(describing: error)
        if text.contains("connectionCreationCircuitBreakerTripped") { return "cannot connect to PostgreSQL (connections keep failing)" }
        if text.contains("Connection refused") || text.contains("connectionRefused") { return "connection refused" }
        return text
    }
}

import Hummingbird
import ParleyServer

/// A stand-in for sign-in in tests: the user named by the `X-Test-User` header (nobody without it).
/// Passed to the application as `identifyUser`, exactly where the sign-in middleware sets the user.
enum TestUsers {
    static let header = "X-Test-User"

    static let identify: @Sendable (Request) async throws -> AuthenticatedUser? = { request in
        request.headers.first { $0.name.canonicalName == header.lowercased() }.map {
            AuthenticatedUser(oid: "oid-\($0.value)", name: $0.value)
        }
    }

    static func headers(_ user: String, json: Bool = true) -> [(String, String)] {
        json ? [("Content-Type", "application/json"), (header, user)] : [(header, user)]
    }
}

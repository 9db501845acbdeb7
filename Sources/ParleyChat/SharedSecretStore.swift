import Foundation

/// A named random value every replica agrees on (issue 13: the key that seals sign-in cookies when
/// PARLEY_COOKIE_KEY is unset). The first caller's `make()` wins; later callers, on any replica,
/// get that same value, even when several create it at once.
public protocol SharedSecretStore: Sendable {
    func sharedSecret(named name: String, make: @Sendable () -> Data) async throws -> Data
}

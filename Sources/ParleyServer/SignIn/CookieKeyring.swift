import Foundation
import ParleyChat
import ParleyIdentity

/// The key that seals Parley's cookies: PARLEY_COOKIE_KEY, or one random key generated once and
/// kept in the session store, so every replica opens every other replica's cookies. Fetched on
/// first use (the store may be PostgreSQL, not reachable yet at start) and then kept.
actor CookieKeyring {
    /// The name of the key in the session store's shared secrets.
    static let secretName = "cookie-key-v1"

    private let configured: Data?
    private let store: (any SharedSecretStore)?
    private var sealer: CookieSealer?

    init(configured: Data?, store: (any SharedSecretStore)?) {
        self.configured = configured
        self.store = store
    }

    func current() async throws -> CookieSealer {
        if let sealer { return sealer }
        let bytes: Data
        if let configured {
            bytes = configured
        } else if let store {
            bytes = try await store.sharedSecret(named: Self.secretName) { CookieSealer.randomKeyBytes() }
        } else {
            bytes = CookieSealer.randomKeyBytes()
        }
        let made = try CookieSealer(keyBytes: bytes)
        sealer = made
        return made
    }
}

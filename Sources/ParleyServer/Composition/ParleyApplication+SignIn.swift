import Foundation
import ParleyChat
import ParleyIdentity

extension ParleyApplication {
    /// With PARLEY_AUTH=entra: the OpenID client and the cookie key (PARLEY_COOKIE_KEY, or one kept
    /// in the session store so replicas agree). nil with PARLEY_AUTH=none: nothing changes.
    static func signInGate(settings: ParleySettings, dependencies: Dependencies, store: any SessionStore) -> SignInGate? {
        guard settings.signIn.mode == .entra, let configuration = settings.signIn.openID else { return nil }
        let client = OpenIDClient(
            configuration: configuration, httpClient: dependencies.httpClient, logger: dependencies.logger, now: dependencies.now)
        let keys = CookieKeyring(configured: settings.signIn.cookieKey, store: store as? any SharedSecretStore)
        return SignInGate(settings: settings.signIn, client: client, keys: keys, now: dependencies.now)
    }
}

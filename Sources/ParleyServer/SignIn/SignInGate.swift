import Foundation
import HTTPTypes
import Hummingbird
import ParleyIdentity

/// Everything the sign-in middleware and `/auth` routes share: the OpenID client, the cookie key,
/// the public origin and the clock.
struct SignInGate: Sendable {
    /// The session cookie (the contract name).
    static let sessionCookie = "parley_auth"
    /// The short-lived cookie between `/auth/login` and `/auth/callback`.
    static let attemptCookie = "parley_sign_in"
    /// How long a sign-in lasts before Entra is asked again (a working day).
    static let sessionLifetime: TimeInterval = 8 * 3600
    /// How long someone may take at Entra's sign-in page.
    static let attemptLifetime: TimeInterval = 10 * 60

    let settings: SignInSettings
    let client: OpenIDClient
    let keys: CookieKeyring
    let now: @Sendable () -> Date

    /// The signed-in person of a valid, unexpired session cookie; nil for none, tampered or expired.
    func session(from request: Request) async throws -> SignInSession? {
        guard let cookie = request.cookies[Self.sessionCookie] else { return nil }
        let sealer = try await keys.current()
        guard let session = sealer.open(Substring(cookie.value), as: SignInSession.self, purpose: SignInSession.cookiePurpose),
              session.expires > now() else { return nil }
        return session
    }

    func attempt(from request: Request) async throws -> SignInAttempt? {
        guard let cookie = request.cookies[Self.attemptCookie] else { return nil }
        let sealer = try await keys.current()
        guard let attempt = sealer.open(Substring(cookie.value), as: SignInAttempt.self, purpose: SignInAttempt.cookiePurpose),
              attempt.expires > now() else { return nil }
        return attempt
    }

    func cookie(_ name: String, sealing value: some Encodable, purpose: String, lifetime: TimeInterval, path: String = "/") async throws -> Cookie {
        let text = try await keys.current().seal(value, purpose: purpose)
        return cookie(name, value: text, maxAge: Int(lifetime), path: path)
    }

    /// HttpOnly, SameSite=Lax, Secure unless PARLEY_PUBLIC_URL is loopback http (browsers drop
    /// Secure cookies on http).
    func cookie(_ name: String, value: String, maxAge: Int, path: String = "/") -> Cookie {
        Cookie(name: name, value: value, maxAge: maxAge, path: path, secure: !settings.isLoopbackHTTP, httpOnly: true, sameSite: .lax)
    }

    /// Whether a cookie-authenticated POST/DELETE/PATCH came from Parley's own page: its Origin
    /// (or, without one, its Referer's origin) is PARLEY_PUBLIC_URL's, or on loopback the
    /// request's own Host. A cookie alone would let another site's form post as the person.
    func isSameOrigin(_ request: Request) -> Bool {
        // Set by the browser, never by a page's script (Fetch Metadata, W3C 2026). Needed because
        // Parley's `Referrer-Policy: no-referrer` makes browsers send `Origin: null` on the page's
        // own POSTs (Fetch §3.1 "append a request Origin header").
        if request.headers[.secFetchSite] == "same-origin" { return true }
        let origin: String?
        if let value = request.headers[.origin], value != "null" {
            origin = value
        } else if let referer = request.headers[.referer], let components = URLComponents(string: referer),
                  let scheme = components.scheme, let host = components.host {
            origin = "\(scheme)://\(host)\(components.port.map { ":\($0)" } ?? "")"
        } else {
            origin = nil
        }
        guard let origin = origin?.lowercased() else { return false }
        if origin == settings.publicOrigin.lowercased() { return true }
        if settings.isLoopbackHTTP, let host = request.head.authority?.lowercased(), origin == "http://\(host)" { return true }
        return false
    }
}

extension HTTPField.Name {
    static let secFetchSite = Self("Sec-Fetch-Site")!
}

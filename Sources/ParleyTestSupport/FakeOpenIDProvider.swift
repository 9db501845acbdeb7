import Crypto
import Foundation
import Synchronization

/// The OpenID provider half of `FakeEntra` (issue 13): discovery, JWKS with key rotation, an
/// authorize endpoint that signs in a scripted test user at once (302 back with code and state,
/// no UI), and the authorization-code grant at the token endpoint, which checks PKCE, the
/// redirect URI, the client id and the client credential like Entra, and returns an RS256 id
/// token and access token. Tests also mint flawed tokens with `token(_:)`.
public final class FakeOpenIDProvider: Sendable {
    /// The person the authorize endpoint signs in.
    public struct User: Sendable, Equatable {
        public var oid: String
        public var name: String
        public var groups: [String]
        public var roles: [String]

        public init(oid: String = "12345678-aaaa-bbbb-cccc-1234567890ab", name: String = "Ada Lovelace",
                    groups: [String] = [], roles: [String] = []) {
            self.oid = oid
            self.name = name
            self.groups = groups
            self.roles = roles
        }
    }

    /// What is wrong with a minted token.
    public enum Flaw: Sendable, CaseIterable {
        case none, badSignature, wrongIssuer, wrongAudience, wrongNonce, expired, notYetValid, unknownKid, algNone, hs256, wrongTenant
    }

    /// A code handed out by the authorize endpoint, waiting to be redeemed once.
    struct PendingCode: Sendable {
        var clientID: String
        var redirectURI: String
        var challenge: String
        var nonce: String
        var user: User
    }

    private struct State {
        var keys: [FakeEntraSigningKey]
        var user = User()
        var codes: [String: PendingCode] = [:]
        var keyFetches = 0
        var discoveryFetches = 0
        var serial = 0
    }

    public let tenantID: String
    private let now: @Sendable () -> Date
    private let state: Mutex<State>

    init(tenantID: String, now: @escaping @Sendable () -> Date) {
        self.tenantID = tenantID
        self.now = now
        // Key generation cannot fail for a valid size; a crash here is a broken test machine.
        state = Mutex(State(keys: [try! FakeEntraSigningKey(kid: "fake-key-1")]))
    }

    // MARK: Scripting

    /// The next sign-ins are this person.
    public func signIn(as user: User) {
        state.withLock { $0.user = user }
    }

    /// Publishes a new signing key and signs with it from now on; the old keys stay published
    /// unless `retireOld` (Entra keeps the previous key for a while).
    @discardableResult
    public func rotateKeys(retireOld: Bool = false) -> String {
        state.withLock {
            let key = try! FakeEntraSigningKey(kid: "fake-key-\($0.keys.count + 1)")
            $0.keys = retireOld ? [key] : $0.keys + [key]
            return key.kid
        }
    }

    /// How often the JWKS (`discovery/v2.0/keys`) was fetched.
    public var keyFetches: Int { state.withLock { $0.keyFetches } }
    public var discoveryFetches: Int { state.withLock { $0.discoveryFetches } }

    public func issuer(baseURL: String) -> String { "\(baseURL)/\(tenantID)/v2.0" }

    // MARK: Endpoints

    func discovery(baseURL: String, tenant: String) -> String {
        state.withLock { $0.discoveryFetches += 1 }
        let document: [String: any Sendable] = [
            "issuer": "\(baseURL)/\(tenant)/v2.0",
            "authorization_endpoint": "\(baseURL)/\(tenant)/oauth2/v2.0/authorize",
            "token_endpoint": "\(baseURL)/\(tenant)/oauth2/v2.0/token",
            "jwks_uri": "\(baseURL)/\(tenant)/discovery/v2.0/keys",
            "response_types_supported": ["code", "id_token", "code id_token", "id_token token"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "code_challenge_methods_supported": ["plain", "S256"],
        ]
        return Self.json(document)
    }

    func jwks() -> String {
        let keys = state.withLock {
            $0.keyFetches += 1
            return $0.keys.map(\.jwk)
        }
        return Self.json(["keys": keys])
    }

    /// 302 to `redirect_uri?code&state` for the scripted user, or 400 with an AADSTS envelope.
    func authorize(query: [String: String], clientID expected: String?) -> (status: Int, location: String?, body: String) {
        guard let clientID = query["client_id"], expected.map({ $0 == clientID }) ?? true else {
            return (400, nil, Self.error("unauthorized_client", 700016, "Application with identifier '\(query["client_id"] ?? "")' was not found in the directory."))
        }
        guard let redirect = query["redirect_uri"], let state = query["state"], let nonce = query["nonce"],
              query["response_type"] == "code" else {
            return (400, nil, Self.error("invalid_request", 900144, "The request body must contain the following parameter: 'redirect_uri, state, nonce, response_type=code'."))
        }
        guard let challenge = query["code_challenge"], query["code_challenge_method"] == "S256" else {
            return (400, nil, Self.error("invalid_request", 9002325, "Proof Key for Code Exchange is required for cross-origin authorization code redemption."))
        }
        let code = "fake-code-" + UUID().uuidString
        self.state.withLock {
            $0.codes[code] = PendingCode(clientID: clientID, redirectURI: redirect, challenge: challenge, nonce: nonce, user: $0.user)
        }
        var components = URLComponents(string: redirect)
        let existing = components?.queryItems ?? []
        components?.queryItems = existing + [URLQueryItem(name: "code", value: code), URLQueryItem(name: "state", value: state)]
        return (302, components?.url?.absoluteString ?? redirect, "")
    }

    /// The authorization-code grant: the code once, for the same client and redirect URI, with
    /// the PKCE verifier whose S256 is the challenge (RFC 7636 §4.6). The client credential is
    /// checked by `FakeEntra` before this.
    func redeem(form: [String: String], baseURL: String) -> (Int, String) {
        guard let code = form["code"], let pending = state.withLock({ $0.codes.removeValue(forKey: code) }) else {
            return (400, Self.error("invalid_grant", 70008, "The provided authorization code or refresh token has expired due to inactivity or was already used."))
        }
        guard form["client_id"] == pending.clientID else {
            return (400, Self.error("invalid_grant", 70000, "The provided authorization code was issued to another client."))
        }
        guard form["redirect_uri"] == pending.redirectURI else {
            return (400, Self.error("invalid_grant", 500117, "The reply uri specified in the request does not match the reply uri configured for the authorization code."))
        }
        let verifier = form["code_verifier"] ?? ""
        guard TestJWT.base64URL(Data(SHA256.hash(data: Data(verifier.utf8)))) == pending.challenge else {
            return (400, Self.error("invalid_grant", 501481, "The Code_Verifier does not match the code_challenge supplied in the authorization request."))
        }
        let idToken = token(.none, user: pending.user, audience: pending.clientID, nonce: pending.nonce, baseURL: baseURL)
        let accessToken = token(.none, user: pending.user, audience: "api://\(pending.clientID)", nonce: nil, baseURL: baseURL)
        return (200, Self.json([
            "token_type": "Bearer", "scope": "openid profile", "expires_in": 3600, "ext_expires_in": 3600,
            "id_token": idToken, "access_token": accessToken,
        ]))
    }

    // MARK: Minting

    /// An id token (with `nonce`) or access token (without) for `user`, signed with the current
    /// key, or with the given flaw.
    public func token(
        _ flaw: Flaw, user: User? = nil, audience: String, nonce: String?, baseURL: String, lifetime: TimeInterval = 3600
    ) -> String {
        let requested = user
        let (person, key, serial) = state.withLock {
            $0.serial += 1
            return (requested ?? $0.user, $0.keys[$0.keys.count - 1], $0.serial)
        }
        let time = now()
        var issuedAt = time
        if flaw == .expired { issuedAt = time.addingTimeInterval(-2 * lifetime) }
        if flaw == .notYetValid { issuedAt = time.addingTimeInterval(3600) }
        var claims: [String: any Sendable] = [
            "iss": flaw == .wrongIssuer ? "\(baseURL)/99999999-9999-9999-9999-999999999999/v2.0" : issuer(baseURL: baseURL),
            "aud": flaw == .wrongAudience ? "00000003-0000-0000-c000-000000000000" : audience,
            "iat": Int(issuedAt.timeIntervalSince1970),
            "nbf": Int(issuedAt.timeIntervalSince1970),
            "exp": Int(issuedAt.timeIntervalSince1970 + lifetime),
            "tid": flaw == .wrongTenant ? "99999999-9999-9999-9999-999999999999" : tenantID,
            "oid": person.oid,
            "sub": "fake-subject-\(person.oid)",
            "name": person.name,
            "preferred_username": "\(person.name.lowercased().replacingOccurrences(of: " ", with: "."))@contoso.example",
            "ver": "2.0",
            "uti": "fake-openid-\(serial)",
        ]
        if let nonce { claims["nonce"] = flaw == .wrongNonce ? "not-the-nonce" : nonce }
        if !person.groups.isEmpty { claims["groups"] = person.groups }
        if !person.roles.isEmpty { claims["roles"] = person.roles }
        switch flaw {
        case .algNone:
            return TestJWT.encode(["alg": "none", "typ": "JWT", "kid": key.kid]) + "." + TestJWT.encode(claims) + "."
        case .hs256:
            // The classic confusion: an HMAC "signed" with the public key's bytes as secret.
            let input = TestJWT.encode(["alg": "HS256", "typ": "JWT", "kid": key.kid]) + "." + TestJWT.encode(claims)
            let mac = HMAC<SHA256>.authenticationCode(for: Data(input.utf8), using: SymmetricKey(data: Data(key.kid.utf8)))
            return input + "." + TestJWT.base64URL(Data(mac))
        case .unknownKid:
            let stranger = try! FakeEntraSigningKey(kid: "never-published-\(serial)")
            return stranger.sign(header: ["alg": "RS256", "typ": "JWT", "kid": stranger.kid], claims: claims)
        case .badSignature:
            let stranger = try! FakeEntraSigningKey(kid: key.kid)
            return stranger.sign(header: ["alg": "RS256", "typ": "JWT", "kid": key.kid], claims: claims)
        default:
            return key.sign(header: ["alg": "RS256", "typ": "JWT", "kid": key.kid], claims: claims)
        }
    }

    // MARK: Wire

    static func json(_ object: [String: any Sendable]) -> String {
        String(decoding: (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data("{}".utf8), as: UTF8.self)
    }

    static func error(_ error: String, _ code: Int, _ text: String) -> String {
        json([
            "error": error,
            "error_description": "AADSTS\(code): \(text) Trace ID: 44444444-4444-4444-4444-444444444444 Correlation ID: 55555555-5555-5555-5555-555555555555",
            "error_codes": [code],
            "trace_id": "44444444-4444-4444-4444-444444444444",
            "correlation_id": "55555555-5555-5555-5555-555555555555",
        ])
    }
}

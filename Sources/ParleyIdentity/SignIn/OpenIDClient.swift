import AsyncHTTPClient
import Crypto
import Foundation
import Logging
import ParleyOutbound

/// Parley's OpenID Connect client for Microsoft Entra ID (issue 13): the authorization code flow
/// with PKCE, the code redeemed with the projected service-account token as client assertion (no
/// secret), and id tokens and access tokens verified against the tenant's published keys.
/// The discovery document and the keys are cached; an unknown `kid` refetches the keys once, at
/// most every `jwksRefetchInterval`, since Entra rotates its signing keys.
public actor OpenIDClient {
    public let configuration: SignInConfiguration
    private let http: TokenHTTP
    private let options: IdentityOptions
    private var discovery: (document: OpenIDConfiguration, fetched: Date)?
    private var keys: (set: SigningKeys, fetched: Date)?
    private var lastUnknownKidRefetch: Date?
    /// How many times the JWKS was fetched (tests check that an unknown kid refetches once).
    public private(set) var keyFetches = 0

    public init(
        configuration: SignInConfiguration, httpClient: OutboundHTTPClient, logger: Logger,
        now: @escaping @Sendable () -> Date = { Date() }, options: IdentityOptions = IdentityOptions()
    ) {
        self.configuration = configuration
        self.options = options
        http = TokenHTTP(httpClient: httpClient, logger: logger, now: now, sleep: options.sleep)
    }

    // MARK: The authorization code flow

    /// Where `/auth/login` sends the browser: the authorize endpoint with PKCE (S256, RFC 7636),
    /// state and nonce from `attempt`. `response_mode=query`: the callback is a top-level GET, so the
    /// SameSite=Lax sign-in cookie comes with it (a cross-site form_post would arrive without it).
    public func authorizationURL(for attempt: SignInAttempt) async throws -> String {
        let document = try await discoveryDocument()
        let challenge = Base64URL.encode(Data(SHA256.hash(data: Data(attempt.codeVerifier.utf8))))
        var components = URLComponents(string: document.authorizationEndpoint)
        let existing = components?.queryItems ?? []
        components?.queryItems = existing + [
            URLQueryItem(name: "client_id", value: configuration.clientID),
            URLQueryItem(name: "response_type", value: "code"),
            URLQueryItem(name: "redirect_uri", value: configuration.redirectURI),
            URLQueryItem(name: "response_mode", value: "query"),
            URLQueryItem(name: "scope", value: "openid profile"),
            URLQueryItem(name: "state", value: attempt.state),
            URLQueryItem(name: "nonce", value: attempt.nonce),
            URLQueryItem(name: "code_challenge", value: challenge),
            URLQueryItem(name: "code_challenge_method", value: "S256"),
        ]
        guard let url = components?.url?.absoluteString else {
            throw SignInError(.providerProblem, "The discovery document's authorization_endpoint is not a URL.")
        }
        return url
    }

    /// Redeems the code from `/auth/callback` and verifies the id token it returns.
    public func redeem(code: String, attempt: SignInAttempt) async throws -> SignedInIdentity {
        let document = try await discoveryDocument()
        var form: [(String, String)] = [
            ("client_id", configuration.clientID),
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", configuration.redirectURI),
            ("code_verifier", attempt.codeVerifier),
            ("scope", "openid profile"),
        ]
        var secrets = [code, attempt.codeVerifier]
        let credential = try clientCredential()
        form += credential
        secrets += credential.map(\.1)
        let reply = try await post(form, to: document.tokenEndpoint, secrets: secrets, what: "The token endpoint refused the sign-in code")
        struct Tokens: Decodable { var id_token: String? }
        guard let idToken = (try? JSONDecoder().decode(Tokens.self, from: reply))?.id_token else {
            throw SignInError(.providerProblem, "The token endpoint answered without an id_token; check that the scope includes openid.")
        }
        return try await verify(idToken, purpose: .idToken(nonce: attempt.nonce))
    }

    /// An id token on its own (the redemption above does this with the nonce it sent).
    public func verifyIDToken(_ token: String, nonce: String) async throws -> SignedInIdentity {
        try await verify(token, purpose: .idToken(nonce: nonce))
    }

    /// A bearer token sent to Parley's API.
    public func verifyAccessToken(_ token: String) async throws -> SignedInIdentity {
        try await verify(token, purpose: .accessToken)
    }

    /// `parley doctor`: a client-credentials request for `{client id}/.default` with the same
    /// credential the code redemption sends. Success proves the app registration's federated
    /// credential matches the projected token (or the secret is right) before anyone signs in.
    public func checkClientCredential() async throws {
        let document = try await discoveryDocument()
        let credential = try clientCredential()
        let form = [("client_id", configuration.clientID), ("grant_type", "client_credentials"), ("scope", "\(configuration.clientID)/.default")]
            + credential
        _ = try await post(form, to: document.tokenEndpoint, secrets: credential.map(\.1), what: "The token endpoint refused Parley's client credential")
    }

    /// The client's proof of identity: the projected service-account token read fresh from the
    /// file (the kubelet rotates it), or PARLEY_AUTH_CLIENT_SECRET on a laptop.
    func clientCredential() throws -> [(String, String)] {
        if let secret = configuration.clientSecret { return [("client_secret", secret)] }
        guard let path = configuration.federatedTokenFile else {
            throw SignInError(.providerProblem, "Sign-in needs AZURE_FEDERATED_TOKEN_FILE (workload identity) or, on a laptop, PARLEY_AUTH_CLIENT_SECRET.")
        }
        do {
            let assertion = try FederatedTokenFile(path: path, now: http.now).readNow()
            return [
                ("client_assertion_type", "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"),
                ("client_assertion", assertion),
            ]
        } catch let problem as FederatedTokenFile.FileProblem {
            throw SignInError(.providerProblem, problem.reason)
        }
    }

    // MARK: Tokens

    func verify(_ token: String, purpose: EntraTokenVerifier.Purpose) async throws -> SignedInIdentity {
        let header = try EntraTokenVerifier.header(of: token)
        let document = try await discoveryDocument()
        var keySet = try await signingKeys(refetchFor: nil)
        if !keySet.contains(kid: header.kid) {
            keySet = try await signingKeys(refetchFor: header.kid)
        }
        let claims = try await keySet.verify(token, kid: header.kid)
        return try EntraTokenVerifier(configuration: configuration, now: http.now)
            .check(claims, issuer: document.issuer, purpose: purpose)
    }

    /// The cached keys (fetched again after `cacheLifetime`); with `refetchFor`, fetched again
    /// unless an unknown kid already caused a refetch within `jwksRefetchInterval`, so tokens
    /// naming a kid nobody published cannot make Parley hammer Entra.
    private func signingKeys(refetchFor kid: String?) async throws -> SigningKeys {
        let time = http.now()
        if let keys {
            if kid == nil, time.timeIntervalSince(keys.fetched) < configuration.cacheLifetime { return keys.set }
            if kid != nil, let last = lastUnknownKidRefetch, time.timeIntervalSince(last) < configuration.jwksRefetchInterval {
                return keys.set
            }
        }
        if kid != nil { lastUnknownKidRefetch = time }
        let document = try await discoveryDocument()
        keyFetches += 1
        let set = try SigningKeys(jwks: try await get(document.jwksURI, what: "The signing keys (jwks_uri)"))
        keys = (set, time)
        return set
    }

    public func discoveryDocument() async throws -> OpenIDConfiguration {
        if let discovery, http.now().timeIntervalSince(discovery.fetched) < configuration.cacheLifetime {
            return discovery.document
        }
        let data = try await get(configuration.discoveryURL, what: "The OpenID discovery document")
        guard let document = try? JSONDecoder().decode(OpenIDConfiguration.self, from: data) else {
            throw SignInError(.providerProblem, "The OpenID discovery document at \(configuration.discoveryURL) is not valid JSON with issuer, authorization_endpoint, token_endpoint and jwks_uri.")
        }
        discovery = (document, http.now())
        return document
    }

    // MARK: HTTP

    private func get(_ url: String, what: String) async throws -> Data {
        let reply: TokenHTTP.Reply
        do {
            reply = try await http.send(what: what, timeout: options.entraAttemptTimeout, policy: options.entraRetry) {
                var request = HTTPClientRequest(url: url)
                request.headers.add(name: "Accept", value: "application/json")
                request.headers.add(name: "User-Agent", value: IdentityEnvironment.userAgent)
                return request
            }
        } catch let error as TokenHTTP.TransportError {
            throw SignInError(.providerProblem, "\(what) at \(url) could not be fetched (\(error.attempts) attempt(s)): \(error.underlying). Check AZURE_AUTHORITY_HOST and AZURE_TENANT_ID, and that the pod can reach Entra.")
        }
        guard reply.status == 200 else {
            let envelope = try? JSONDecoder().decode(EntraErrorResponse.self, from: reply.body)
            throw SignInError(.providerProblem, "\(what) at \(url) answered HTTP \(reply.status)\(explanation(envelope, secrets: []))")
        }
        return reply.body
    }

    private func post(_ form: [(String, String)], to url: String, secrets: [String], what: String) async throws -> Data {
        let body = Array(EntraTokenClient.encodeForm(form).utf8)
        let reply: TokenHTTP.Reply
        do {
            reply = try await http.send(what: "The token endpoint", timeout: options.entraAttemptTimeout, policy: options.entraRetry) {
                var request = HTTPClientRequest(url: url)
                request.method = .POST
                request.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
                request.headers.add(name: "Accept", value: "application/json")
                request.headers.add(name: "User-Agent", value: IdentityEnvironment.userAgent)
                request.body = .bytes(body)
                return request
            }
        } catch let error as TokenHTTP.TransportError {
            throw SignInError(.providerProblem, "The token endpoint at \(url) could not be reached (\(error.attempts) attempt(s)): \(error.underlying).")
        }
        guard reply.status == 200 else {
            let envelope = try? JSONDecoder().decode(EntraErrorResponse.self, from: reply.body)
            let assertion = form.first { $0.0 == "client_assertion" }.flatMap { try? ProjectedTokenClaims(jwt: $0.1) }
            throw SignInError(.providerProblem, "\(what) (HTTP \(reply.status))\(explanation(envelope, secrets: secrets, assertion: assertion))")
        }
        return reply.body
    }

    /// ": AADSTS… description. What to check: …" with every secret sent scrubbed out.
    private func explanation(_ envelope: EntraErrorResponse?, secrets: [String], assertion: ProjectedTokenClaims? = nil) -> String {
        guard let envelope else { return "." }
        var text = ": \(envelope.error)"
        if !envelope.errorCodes.isEmpty { text += " (\(envelope.errorCodes.map { "AADSTS\($0)" }.joined(separator: ", ")))" }
        text += " " + SecretScrubber.scrub(envelope.summary, secrets: secrets)
        let context = EntraErrorExplanation.Context(
            clientID: configuration.clientID, tenantID: configuration.tenantID, authorityHost: configuration.authority.url,
            assertion: assertion)
        if let hint = EntraErrorExplanation.hint(for: envelope.errorCodes, description: envelope.errorDescription ?? "", context: context) {
            text += " What to check: \(hint)"
        }
        return text
    }
}

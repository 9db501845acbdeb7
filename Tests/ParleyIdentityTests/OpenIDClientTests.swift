import AsyncHTTPClient
import Foundation
import Logging
import ParleyIdentity
import ParleyOutbound
import ParleyTestSupport
import Testing

/// Sign-in's OpenID Connect client (issue 13) against the fake Entra's OpenID provider.
@Suite struct OpenIDClientTests {
    typealias Env = IdentityTestEnvironment
    static let clientID = "77777777-7777-7777-7777-777777777777"
    static let redirectURI = "http://127.0.0.1:8087/auth/callback"

    func client(_ fake: FakeEntra, tokenFile: String?, secret: String? = nil, clock: ManualClock,
                allowedGroups: [String] = [], logger: Logger = Logger(label: "test")) throws -> OpenIDClient {
        let configuration = SignInConfiguration(
            authority: try AuthorityHost(fake.baseURL), tenantID: Env.tenantID, clientID: Self.clientID, clientSecret: secret,
            federatedTokenFile: tokenFile, redirectURI: Self.redirectURI, allowedGroups: allowedGroups)
        return OpenIDClient(configuration: configuration, httpClient: .shared, logger: logger, now: clock.closure, options: Env.options())
    }

    func options(_ clock: ManualClock, assertion: String? = nil) -> FakeEntra.Options {
        var options = FakeEntra.Options()
        options.now = clock.closure
        options.openIDClientID = Self.clientID
        options.expectedClientAssertion = assertion
        return options
    }

    /// Follows the authorization URL to the fake's authorize endpoint (no UI) and returns the
    /// code and state it redirects back with.
    func authorize(_ url: String) async throws -> (code: String, state: String) {
        let response = try await OutboundHTTPClient.shared.execute(HTTPClientRequest(url: url), timeout: .seconds(5))
        #expect(response.status == .found)
        let location = try #require(response.headers.first(name: "Location"))
        #expect(location.hasPrefix(Self.redirectURI + "?"))
        let items = URLComponents(string: location)?.queryItems ?? []
        return (try #require(items.first { $0.name == "code" }?.value), try #require(items.first { $0.name == "state" }?.value))
    }

    @Test func signsInWithPKCEAndTheProjectedTokenAsAssertion() async throws {
        let directory = try TemporaryDirectory()
        let assertion = TestJWT.serviceAccountToken()
        let path = try directory.write("token", assertion + "\n")
        let clock = ManualClock(Date())
        let capture = LogCapture()
        try await withFakeEntra(options(clock, assertion: assertion)) { fake in
            fake.openID.signIn(as: .init(oid: "oid-ada", name: "Ada Lovelace"))
            let openID = try client(fake, tokenFile: path, clock: clock, logger: capture.logger())
            let attempt = SignInAttempt.random(expires: clock.now().addingTimeInterval(600))
            let url = try await openID.authorizationURL(for: attempt)
            let query = Dictionary(uniqueKeysWithValues: (URLComponents(string: url)?.queryItems ?? []).map { ($0.name, $0.value ?? "") })
            #expect(query["code_challenge_method"] == "S256")
            #expect(query["code_challenge"] != attempt.codeVerifier)
            #expect(query["state"] == attempt.state && query["nonce"] == attempt.nonce)
            #expect(query["redirect_uri"] == Self.redirectURI && query["client_id"] == Self.clientID)
            let (code, state) = try await authorize(url)
            #expect(state == attempt.state)
            let identity = try await openID.redeem(code: code, attempt: attempt)
            #expect(identity == SignedInIdentity(oid: "oid-ada", name: "Ada Lovelace", tenantID: Env.tenantID))
            let request = try #require(fake.requests.last)
            #expect(request.form["client_assertion"] == assertion)  // the projected token, read fresh
            #expect(request.form["client_assertion_type"] == "urn:ietf:params:oauth:client-assertion-type:jwt-bearer")
            #expect(request.form["code_verifier"] == attempt.codeVerifier)
            #expect(request.form["client_secret"] == nil)
            for secret in [assertion, code, attempt.codeVerifier] {
                #expect(capture.lines(containing: secret).isEmpty)
            }
        }
    }

    @Test func theFakeChecksPKCE() async throws {
        let directory = try TemporaryDirectory()
        let path = try directory.write("token", TestJWT.serviceAccountToken())
        let clock = ManualClock(Date())
        try await withFakeEntra(options(clock)) { fake in
            let openID = try client(fake, tokenFile: path, clock: clock)
            let attempt = SignInAttempt.random(expires: clock.now().addingTimeInterval(600))
            let (code, _) = try await authorize(try await openID.authorizationURL(for: attempt))
            var other = attempt
            other.codeVerifier = "a-different-verifier-that-does-not-match-the-challenge"
            let error = try await #require(throws: SignInError.self) { try await openID.redeem(code: code, attempt: other) }
            #expect(error.kind == .providerProblem)
            #expect(error.reason.contains("AADSTS501481"))
            #expect(!error.reason.contains(code) && !error.reason.contains(other.codeVerifier))
        }
    }

    @Test func aWrongAssertionIsRefusedAndExplained() async throws {
        let directory = try TemporaryDirectory()
        let sent = TestJWT.serviceAccountToken(serial: 1)
        let path = try directory.write("token", sent)
        let clock = ManualClock(Date())
        try await withFakeEntra(options(clock, assertion: TestJWT.serviceAccountToken(serial: 2))) { fake in
            let openID = try client(fake, tokenFile: path, clock: clock)
            let attempt = SignInAttempt.random(expires: clock.now().addingTimeInterval(600))
            let (code, _) = try await authorize(try await openID.authorizationURL(for: attempt))
            let error = try await #require(throws: SignInError.self) { try await openID.redeem(code: code, attempt: attempt) }
            #expect(error.reason.contains("AADSTS700027"))
            #expect(!error.reason.contains(sent))
        }
    }

    @Test func theClientSecretIsSentOnlyWhenSet() async throws {
        let clock = ManualClock(Date())
        var fakeOptions = options(clock)
        fakeOptions.clientSecret = "laptop-secret-value"
        try await withFakeEntra(fakeOptions) { fake in
            let openID = try client(fake, tokenFile: nil, secret: "laptop-secret-value", clock: clock)
            let attempt = SignInAttempt.random(expires: clock.now().addingTimeInterval(600))
            let (code, _) = try await authorize(try await openID.authorizationURL(for: attempt))
            _ = try await openID.redeem(code: code, attempt: attempt)
            #expect(fake.requests.last?.form["client_secret"] == "laptop-secret-value")
            #expect(fake.requests.last?.form["client_assertion"] == nil)
        }
    }

    @Test(arguments: FakeOpenIDProvider.Flaw.allCases.filter { $0 != .none })
    func flawedIDTokensAreRefused(_ flaw: FakeOpenIDProvider.Flaw) async throws {
        let clock = ManualClock(Date())
        try await withFakeEntra(options(clock)) { fake in
            let openID = try client(fake, tokenFile: nil, secret: "s", clock: clock)
            let good = fake.openID.token(.none, audience: Self.clientID, nonce: "n-1", baseURL: fake.baseURL)
            _ = try await openID.verifyIDToken(good, nonce: "n-1")
            let bad = fake.openID.token(flaw, audience: Self.clientID, nonce: "n-1", baseURL: fake.baseURL)
            let error = try await #require(throws: SignInError.self) { try await openID.verifyIDToken(bad, nonce: "n-1") }
            #expect(error.kind == .refusedToken)
        }
    }

    @Test(arguments: FakeOpenIDProvider.Flaw.allCases.filter { $0 != .none && $0 != .wrongNonce })
    func flawedBearerTokensAreRefused(_ flaw: FakeOpenIDProvider.Flaw) async throws {
        let clock = ManualClock(Date())
        try await withFakeEntra(options(clock)) { fake in
            let openID = try client(fake, tokenFile: nil, secret: "s", clock: clock)
            for audience in [Self.clientID, "api://\(Self.clientID)"] {
                let good = fake.openID.token(.none, audience: audience, nonce: nil, baseURL: fake.baseURL)
                #expect(try await openID.verifyAccessToken(good).oid == FakeOpenIDProvider.User().oid)
            }
            let bad = fake.openID.token(flaw, audience: "api://\(Self.clientID)", nonce: nil, baseURL: fake.baseURL)
            let error = try await #require(throws: SignInError.self) { try await openID.verifyAccessToken(bad) }
            #expect(error.kind == .refusedToken)
        }
    }

    @Test func skewOfTwoMinutesIsTolerated() async throws {
        let clock = ManualClock(Date())
        try await withFakeEntra(options(clock)) { fake in
            let openID = try client(fake, tokenFile: nil, secret: "s", clock: clock)
            let token = fake.openID.token(.none, audience: Self.clientID, nonce: nil, baseURL: fake.baseURL, lifetime: 600)
            clock.advance(by: 600 + 90)
            _ = try await openID.verifyAccessToken(token)
            clock.advance(by: 60)
            await #expect(throws: SignInError.self) { try await openID.verifyAccessToken(token) }
        }
    }

    @Test func anUnknownKidRefetchesTheKeysOnceThenIsRefused() async throws {
        let clock = ManualClock(Date())
        try await withFakeEntra(options(clock)) { fake in
            let openID = try client(fake, tokenFile: nil, secret: "s", clock: clock)
            _ = try await openID.verifyAccessToken(fake.openID.token(.none, audience: Self.clientID, nonce: nil, baseURL: fake.baseURL))
            #expect(fake.openID.keyFetches == 1)
            for _ in 0..<3 {
                let stranger = fake.openID.token(.unknownKid, audience: Self.clientID, nonce: nil, baseURL: fake.baseURL)
                await #expect(throws: SignInError.self) { try await openID.verifyAccessToken(stranger) }
            }
            #expect(fake.openID.keyFetches == 2)  // once, not once per token
            #expect(await openID.keyFetches == 2)
        }
    }

    @Test func rotatedKeysAreFetchedWhenFirstSeen() async throws {
        let clock = ManualClock(Date())
        try await withFakeEntra(options(clock)) { fake in
            let openID = try client(fake, tokenFile: nil, secret: "s", clock: clock)
            _ = try await openID.verifyAccessToken(fake.openID.token(.none, audience: Self.clientID, nonce: nil, baseURL: fake.baseURL))
            fake.openID.rotateKeys(retireOld: true)
            let identity = try await openID.verifyAccessToken(fake.openID.token(.none, audience: Self.clientID, nonce: nil, baseURL: fake.baseURL))
            #expect(identity.oid == FakeOpenIDProvider.User().oid)
            #expect(fake.openID.keyFetches == 2)
        }
    }

    @Test func allowedGroupsAdmitGroupOrRoleMembersOnly() async throws {
        let clock = ManualClock(Date())
        try await withFakeEntra(options(clock)) { fake in
            let openID = try client(fake, tokenFile: nil, secret: "s", clock: clock, allowedGroups: ["group-a", "Parley.User"])
            let outsider = fake.openID.token(.none, user: .init(groups: ["group-b"]), audience: Self.clientID, nonce: nil, baseURL: fake.baseURL)
            let error = try await #require(throws: SignInError.self) { try await openID.verifyAccessToken(outsider) }
            #expect(error.kind == .notAllowed)
            _ = try await openID.verifyAccessToken(fake.openID.token(.none, user: .init(groups: ["group-a"]), audience: Self.clientID, nonce: nil, baseURL: fake.baseURL))
            _ = try await openID.verifyAccessToken(fake.openID.token(.none, user: .init(roles: ["Parley.User"]), audience: Self.clientID, nonce: nil, baseURL: fake.baseURL))
        }
    }

    @Test func anUnreachableAuthorityIsAProviderProblem() async throws {
        let configuration = SignInConfiguration(
            authority: try AuthorityHost(Env.closedLoopback), tenantID: Env.tenantID, clientID: Self.clientID, clientSecret: "s",
            federatedTokenFile: nil, redirectURI: Self.redirectURI, allowedGroups: [])
        var options = Env.options()
        options.entraRetry = .none
        let openID = OpenIDClient(configuration: configuration, httpClient: .shared, logger: Logger(label: "test"), options: options)
        let error = try await #require(throws: SignInError.self) {
            try await openID.authorizationURL(for: .random(expires: Date().addingTimeInterval(60)))
        }
        #expect(error.kind == .providerProblem)
        #expect(error.reason.contains("openid-configuration"))
    }
}

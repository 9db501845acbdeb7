import Foundation
import Logging
import ParleyIdentity
import ParleyTestSupport
import Testing

/// Issue 9: every number from outside (Retry-After, expires_in/expires_on/refresh_in, JWT exp, CLI
/// output) is parsed to a finite, clamped value first; nothing from outside traps the process.
/// Each test ends with the process alive and a token or a clear error.
@Suite struct HostileInputTests {
    typealias Env = IdentityTestEnvironment
    static let secret = "hostile-test-client-secret"

    func secretCredential(_ fake: FakeEntra, sleeps: SleepRecorder = SleepRecorder()) throws -> EnvironmentCredential {
        try EnvironmentCredential(environment: Env.make(fake: fake, [
            "AZURE_TENANT_ID": Env.tenantID, "AZURE_CLIENT_ID": Env.clientID, "AZURE_CLIENT_SECRET": Self.secret,
        ]), httpClient: .shared, logger: Logger(label: "test"), options: Env.options(sleeps))
    }

    /// The wait each hostile `Retry-After` leads to: clamped to the policy's 60 s, or the normal
    /// back-off (0.8 s) when the value is not a usable number or date.
    static let retryAfterCases: [(String, Duration)] = [
        ("1e300", .seconds(60)),
        ("inf", .milliseconds(800)),
        ("nan", .milliseconds(800)),
        ("-1", .milliseconds(800)),
        ("99999999999999999999", .seconds(60)),
        ("", .milliseconds(800)),
        ("Fri, 31 Dec 9999 23:59:59 GMT", .seconds(60)),
        ("Wed, 21 Oct 2015 07:28:00 GMT", .zero),
        ("2", .seconds(2)),
    ]

    @Test(arguments: retryAfterCases)
    func hostileRetryAfterFromEntraIsClampedAndRetried(value: String, wait: Duration) async throws {
        let sleeps = SleepRecorder()
        try await withFakeEntra { fake in
            fake.enqueue(.status(503, body: "busy", headers: ["Retry-After": value]), .token())
            let token = try await secretCredential(fake, sleeps: sleeps).getToken(scopes: [Env.scope])
            #expect(fake.isValid(token: token.token))
            #expect(sleeps.sleeps == [wait])
        }
    }

    @Test(arguments: retryAfterCases)
    func hostileRetryAfterFromIMDSIsClampedAndRetried(value: String, wait: Duration) async throws {
        let sleeps = SleepRecorder()
        try await withFakeEntra { fake in
            fake.imds.enqueue(.status(503, body: "busy", headers: ["Retry-After": value]), .token())
            let credential = ManagedIdentityCredential(environment: Env.make(fake: fake), httpClient: .shared,
                                                       logger: Logger(label: "test"), options: Env.options(sleeps))
            let token = try await credential.getToken(scopes: [Env.scope])
            #expect(fake.isValid(token: token.token))
            #expect(sleeps.sleeps == [wait])
        }
    }

    @Test func hostileRetryAfterOnEveryAttemptEndsInAClearError() async throws {
        let sleeps = SleepRecorder()
        try await withFakeEntra { fake in
            for _ in 0..<4 { fake.enqueue(.status(429, body: "slow down", headers: ["Retry-After": "1e300"])) }
            let error = try await #require(throws: AuthenticationFailedError.self) {
                try await secretCredential(fake, sleeps: sleeps).getToken(scopes: [Env.scope])
            }
            #expect(error.statusCode == 429)
            #expect(error.reason.contains("4 attempts"))
            #expect(sleeps.sleeps == [.seconds(60), .seconds(60), .seconds(60)])
        }
    }

    // MARK: Token response numbers

    /// Bodies whose numbers are absurd but finite: the lifetime is clamped to 48 h.
    @Test(arguments: [
        #"{"access_token":"AT","token_type":"Bearer","expires_in":1e300}"#,
        #"{"access_token":"AT","token_type":"Bearer","expires_in":99999999999999999999}"#,
        #"{"access_token":"AT","token_type":"Bearer","expires_in":"99999999999999999999"}"#,
        #"{"access_token":"AT","token_type":"Bearer","expires_on":1e300}"#,
        #"{"access_token":"AT","token_type":"Bearer","expires_on":"1e300","expires_in":"1e300"}"#,
    ])
    func absurdLifetimesAreClamped(body: String) async throws {
        try await withFakeEntra { fake in
            fake.enqueue(.status(200, body: body))
            let token = try await secretCredential(fake).getToken(scopes: [Env.scope])
            let left = token.expiresOn.timeIntervalSinceNow
            #expect(left > 47 * 3600 && left <= 48 * 3600 + 1)
            let refreshOn = try #require(token.refreshOn)
            #expect(refreshOn <= token.expiresOn)
        }
    }

    @Test func absurdRefreshInIsClampedToTheLifetime() async throws {
        try await withFakeEntra { fake in
            fake.enqueue(.status(200, body: #"{"access_token":"AT","token_type":"Bearer","expires_in":3600,"refresh_in":1e300}"#))
            let token = try await secretCredential(fake).getToken(scopes: [Env.scope])
            #expect(try #require(token.refreshOn) <= token.expiresOn)
        }
    }

    /// Bodies whose numbers cannot be a lifetime: a clear error naming the field.
    @Test(arguments: [
        (#"{"access_token":"AT","expires_in":"inf"}"#, "its expires_in is not a finite number"),
        (#"{"access_token":"AT","expires_in":"nan"}"#, "its expires_in is not a finite number"),
        (#"{"access_token":"AT","expires_in":"soon"}"#, "its expires_in is not a finite number"),
        (#"{"access_token":"AT","expires_in":1e400}"#, "its expires_in is not a finite number"),
        (#"{"access_token":"AT","expires_on":"-inf"}"#, "its expires_on is not a finite number"),
        (#"{"access_token":"AT","expires_in":3600,"refresh_in":"inf"}"#, "its refresh_in is not a finite number"),
        (#"{"access_token":"AT","expires_in":-5}"#, "has already expired"),
        (#"{"access_token":"AT","expires_on":-1}"#, "has already expired"),
    ])
    func impossibleLifetimesAreAClearError(body: String, expected: String) async throws {
        try await withFakeEntra { fake in
            fake.enqueue(.status(200, body: body))
            let error = try await #require(throws: AuthenticationFailedError.self) {
                try await secretCredential(fake).getToken(scopes: [Env.scope])
            }
            #expect(error.reason.contains(expected), "\(error.reason)")
        }
    }

    @Test func hostileIMDSNumbersMeanNoUsableIMDS() async throws {
        try await withFakeEntra { fake in
            fake.imds.enqueue(.status(200, body: #"{"access_token":"AT","expires_in":"inf","expires_on":"inf"}"#))
            let credential = ManagedIdentityCredential(environment: Env.make(fake: fake), httpClient: .shared,
                                                       logger: Logger(label: "test"), options: Env.options())
            let error = try await #require(throws: CredentialUnavailableError.self) { try await credential.getToken(scopes: [Env.scope]) }
            #expect(error.reason.contains("not a finite number"))
        }
    }

    // MARK: JWT and CLI numbers

    @Test func hugeJWTExpiryIsClampedToTheYear9999() throws {
        let latest = Date(timeIntervalSince1970: 253_402_300_799)
        let projected = try ProjectedTokenClaims(jwt: TestJWT.make(claims: ["exp": 1e300, "iat": -1e300, "nbf": "inf"]))
        #expect(projected.expiresAt == latest)
        #expect(projected.issuedAt == Date(timeIntervalSince1970: 0))
        #expect(projected.notBefore == nil)
        let access = try AccessTokenClaims(jwt: TestJWT.make(claims: ["exp": "99999999999999999999"]))
        #expect(access.expiresAt == latest)
    }

    @Test func diagnosticsOfAProjectedTokenWithAHugeExpirySurvive() throws {
        let directory = try TemporaryDirectory()
        let path = try directory.write("token", TestJWT.make(claims: ["exp": 1e300, "aud": ["api://AzureADTokenExchange"]]))
        let report = IdentityDiagnostics.projectedToken(environment: ["AZURE_FEDERATED_TOKEN_FILE": path], now: Date())
        #expect(report.claims?.expiresAt == Date(timeIntervalSince1970: 253_402_300_799))
        #expect(report.secondsLeft.map { $0.isFinite } == true)
    }

    @Test func hugeExpiryFromAzIsClamped() async throws {
        var options = Env.options()
        options.processTimeout = .seconds(5)
        let token = try await AzureCliCredential(environment: Env.make(["FAKE_AZ_MODE": "hostile-expiry"]), logger: Logger(label: "test"),
                                                 options: options).getToken(scopes: [Env.scope])
        #expect(token.expiresOn == Date(timeIntervalSince1970: 253_402_300_799))
    }

    // MARK: Redirects

    /// OutboundHTTPClient never follows redirects; this proves it for Entra: the recorder behind
    /// the `Location` gets nothing, in particular not the client secret or assertion.
    @Test(arguments: [307, 302])
    func aRedirectFromEntraIsNotFollowed(status: Int) async throws {
        try await withFakeEntra(try CertificateCredentialTests.fakeOptions()) { recorder in
            try await withFakeEntra { fake in
                let location = recorder.baseURL + "/\(Env.tenantID)/oauth2/v2.0/token"
                fake.enqueue(.status(status, headers: ["Location": location]), .status(status, headers: ["Location": location]))
                let error = try await #require(throws: AuthenticationFailedError.self) {
                    try await secretCredential(fake).getToken(scopes: [Env.scope])
                }
                #expect(error.statusCode == status)
                #expect(error.reason.contains("a redirect to '\(location)', which Parley does not follow"))
                #expect(!error.description.contains(Self.secret))

                let certificate = try EnvironmentCredential(environment: Env.make(fake: fake, [
                    "AZURE_TENANT_ID": Env.tenantID, "AZURE_CLIENT_ID": Env.clientID,
                    "AZURE_CLIENT_CERTIFICATE_PATH": CertificateCredentialTests.goodPEM,
                ]), httpClient: .shared, logger: Logger(label: "test"), options: Env.options())
                await #expect(throws: AuthenticationFailedError.self) { try await certificate.getToken(scopes: [Env.scope]) }

                #expect(fake.requests.count == 2)
                #expect(recorder.requests.isEmpty)
            }
        }
    }
}

import AsyncHTTPClient
import Foundation
import Logging
import ParleyIdentity
import ParleyTestSupport
import Testing

@Suite struct WorkloadIdentityCredentialTests {
    typealias Env = IdentityTestEnvironment

    /// A credential against `fake`, reading `tokenFile`, with a manual clock and recorded sleeps.
    func credential(_ fake: FakeEntra, tokenFile: String, clock: ManualClock = ManualClock(Date()),
                    authority: String? = nil, logger: Logger = Logger(label: "test"),
                    sleeps: SleepRecorder = SleepRecorder(), attemptTimeout: Duration = .seconds(5)) throws -> WorkloadIdentityCredential {
        let configuration = try WorkloadIdentityConfiguration(environment: Env.make(fake: fake, [
            "AZURE_CLIENT_ID": Env.clientID, "AZURE_TENANT_ID": Env.tenantID,
            "AZURE_FEDERATED_TOKEN_FILE": tokenFile, "AZURE_AUTHORITY_HOST": authority ?? fake.baseURL,
        ]))
        var options = Env.options(sleeps)
        options.entraAttemptTimeout = attemptTimeout
        return WorkloadIdentityCredential(configuration: configuration, httpClient: .shared, logger: logger,
                                          options: options, now: clock.closure)
    }

    @Test func sendsExactlyTheFormFieldsAndPathAzureIdentitySends() async throws {
        let directory = try TemporaryDirectory()
        let assertion = TestJWT.serviceAccountToken()
        let path = try directory.write("token", assertion + "\n")
        try await withFakeEntra { fake in
            // The webhook injects the authority with a trailing slash; it must not double up.
            let token = try await credential(fake, tokenFile: path, authority: fake.baseURL + "/").getToken(scopes: [Env.scope])
            #expect(fake.isValid(token: token.token))
            let request = try #require(fake.requests.first)
            #expect(fake.requests.count == 1)
            #expect(request.path == "/\(Env.tenantID)/oauth2/v2.0/token")
            #expect(request.fieldOrder == ["client_assertion", "client_assertion_type", "client_id", "grant_type", "scope"])
            #expect(request.form == [
                "client_assertion": assertion, // trimmed: no trailing newline
                "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
                "client_id": Env.clientID,
                "grant_type": "client_credentials",
                "scope": Env.scope,
            ])
            #expect(request.headers["content-type"] == "application/x-www-form-urlencoded")
            #expect(request.headers["x-ms-client-request-id"] != nil)
        }
    }

    @Test func expiryAndRefreshTimesFollowTheResponse() async throws {
        let directory = try TemporaryDirectory()
        let path = try directory.write("token", TestJWT.serviceAccountToken())
        let clock = ManualClock(Date())
        try await withFakeEntra { fake in
            fake.enqueue(.token(lifetime: 3600), .token(lifetime: 86399), .token(lifetime: 86399, refreshIn: 600))
            let wi = try credential(fake, tokenFile: path, clock: clock)
            let short = try await wi.getToken(scopes: [Env.scope])
            #expect(short.expiresOn == clock.now().addingTimeInterval(3600))
            #expect(short.refreshOn == nil)  // < 2 h: no refresh hint
            let long = try await wi.getToken(scopes: [Env.scope])
            #expect(long.refreshOn == clock.now().addingTimeInterval(43199))  // half of 86399, rounded down
            let hinted = try await wi.getToken(scopes: [Env.scope])
            #expect(hinted.refreshOn == clock.now().addingTimeInterval(600))  // Entra's refresh_in wins
        }
    }

    @Test func rotatedTokenFileIsPickedUpAfterFiveMinutes() async throws {
        let directory = try TemporaryDirectory()
        let first = TestJWT.serviceAccountToken(serial: 1)
        let second = TestJWT.serviceAccountToken(serial: 2)
        let path = try directory.write("token", first)
        let clock = ManualClock(Date())
        try await withFakeEntra { fake in
            let wi = try credential(fake, tokenFile: path, clock: clock)
            _ = try await wi.getToken(scopes: [Env.scope])
            try directory.write("token", second)  // the kubelet rotates the file
            clock.advance(by: 4 * 60)
            _ = try await wi.getToken(scopes: [Env.scope])  // cached copy is 4 min old: still used
            clock.advance(by: 61)
            _ = try await wi.getToken(scopes: [Env.scope])  // older than 5 min: re-read
            #expect(fake.requests.map { $0.form["client_assertion"] } == [first, first, second])
        }
    }

    @Test func tokenFileIsReReadWhenItsExpiryIsNear() async throws {
        let directory = try TemporaryDirectory()
        let start = Date()
        // The first copy expires 3 minutes from now; the rotated one lives an hour.
        let first = TestJWT.serviceAccountToken(issuedAt: start.addingTimeInterval(-3420), lifetime: 3600, serial: 1)
        let second = TestJWT.serviceAccountToken(issuedAt: start, serial: 2)
        let path = try directory.write("token", first)
        let clock = ManualClock(start)
        try await withFakeEntra { fake in
            let wi = try credential(fake, tokenFile: path, clock: clock)
            _ = try await wi.getToken(scopes: [Env.scope])
            try directory.write("token", second)
            clock.advance(by: 61)  // 1 min old, but < 2 min of life left
            _ = try await wi.getToken(scopes: [Env.scope])
            #expect(fake.requests.map { $0.form["client_assertion"] } == [first, second])
        }
    }

    @Test func aadsts700024ReReadsTheFileAndRetriesOnce() async throws {
        let directory = try TemporaryDirectory()
        let stale = TestJWT.serviceAccountToken(serial: 1)
        let fresh = TestJWT.serviceAccountToken(serial: 2)
        let path = try directory.write("token", stale)
        try await withFakeEntra { fake in
            let wi = try credential(fake, tokenFile: path)
            _ = try await wi.getToken(scopes: [Env.scope])
            try directory.write("token", fresh)  // rotated, but our copy is younger than 5 min
            fake.enqueue(.error(FakeEntraFixtures.aadsts700024))
            let token = try await wi.getToken(scopes: [Env.scope])
            #expect(fake.isValid(token: token.token))
            #expect(fake.requests.map { $0.form["client_assertion"] } == [stale, stale, fresh])
        }
    }

    @Test func aadsts700024TwiceFailsAfterExactlyOneRetry() async throws {
        let directory = try TemporaryDirectory()
        let path = try directory.write("token", TestJWT.serviceAccountToken())
        try await withFakeEntra { fake in
            fake.enqueue(.error(FakeEntraFixtures.aadsts700024), .error(FakeEntraFixtures.aadsts700024))
            let error = try await #require(throws: AuthenticationFailedError.self) {
                try await credential(fake, tokenFile: path).getToken(scopes: [Env.scope])
            }
            #expect(fake.requests.count == 2)
            #expect(error.errorCodes == [700024])
            #expect(error.description.contains("Parley re-read the token file and retried once"))
            #expect(error.description.contains("trace_id=44444444-4444-4444-4444-444444444444"))
        }
    }

    @Test func expiredAssertionIsRejectedByEntraAndReplacedFromTheFile() async throws {
        // The fake, like Entra, rejects an expired assertion with AADSTS700024 on its own.
        let directory = try TemporaryDirectory()
        let expired = TestJWT.serviceAccountToken(issuedAt: Date().addingTimeInterval(-7200), serial: 1)
        let path = try directory.write("token", expired)
        try await withFakeEntra { fake in
            let wi = try credential(fake, tokenFile: path)
            await #expect(throws: AuthenticationFailedError.self) { try await wi.getToken(scopes: [Env.scope]) }
            #expect(fake.requests.count == 2)  // the first attempt and the one retry after re-reading
        }
    }

    @Test func aadsts70021NamesTheIssuerAndSubjectOfTheProjectedToken() async throws {
        let directory = try TemporaryDirectory()
        let issuer = "https://westeurope.oic.prod-aks.azure.com/00000000-0000-0000-0000-000000000000/99999999-9999-9999-9999-999999999999/"
        let path = try directory.write("token", TestJWT.serviceAccountToken(issuer: issuer, namespace: "chat", serviceAccount: "default"))
        var options = FakeEntra.Options()
        options.federatedCredential = .init(issuer: issuer, subject: "system:serviceaccount:chat:chat-sa")
        try await withFakeEntra(options) { fake in
            let error = try await #require(throws: AuthenticationFailedError.self) {
                try await credential(fake, tokenFile: path).getToken(scopes: [Env.scope])
            }
            #expect(fake.requests.count == 1)  // an AADSTS 4xx is never retried
            #expect(error.errorCodes == [70021])
            #expect(error.statusCode == 401)
            let text = error.description
            #expect(text.hasPrefix("WorkloadIdentityCredential: Microsoft Entra ID rejected the token request (HTTP 401 invalid_client, AADSTS70021): No matching federated identity record found for presented assertion. Assertion Issuer: '\(issuer)'. Assertion Subject: 'system:serviceaccount:chat:default'."))
            #expect(text.contains("The token presented has issuer '\(issuer)', subject 'system:serviceaccount:chat:default' and audience 'api://AzureADTokenExchange'"))
            #expect(text.contains("client ID '\(Env.clientID)'"))
            #expect(text.contains("correlation_id=55555555-5555-5555-5555-555555555555"))
        }
    }

    @Test(arguments: [
        (FakeEntraFixtures.aadsts700016, "must be the identity's client (application) ID"),
        (FakeEntraFixtures.aadsts70023, "not the legacy service-account token"),
        (FakeEntraFixtures.aadsts90002, "Check AZURE_TENANT_ID"),
        (FakeEntraFixtures.aadsts90061, "OIDC issuer is enabled and published"),
        (FakeEntraFixtures.aadsts700211, "federated identity credential"),
    ])
    func knownCodesGetAHint(fixture: FakeEntraFixtures.EntraError, hint: String) async throws {
        let directory = try TemporaryDirectory()
        let path = try directory.write("token", TestJWT.serviceAccountToken())
        try await withFakeEntra { fake in
            fake.enqueue(.error(fixture))
            let error = try await #require(throws: AuthenticationFailedError.self) {
                try await credential(fake, tokenFile: path).getToken(scopes: [Env.scope])
            }
            #expect(error.errorCodes == [fixture.code])
            #expect(error.description.contains("AADSTS\(fixture.code)"))
            #expect(error.description.contains(hint))
            #expect(error.description.contains("trace_id=44444444-4444-4444-4444-444444444444"))
            #expect(!error.description.contains("\n"))
        }
    }

    @Test func retriesServerErrorsWithBackoffAndHonoursRetryAfter() async throws {
        let directory = try TemporaryDirectory()
        let path = try directory.write("token", TestJWT.serviceAccountToken())
        let sleeps = SleepRecorder()
        try await withFakeEntra { fake in
            fake.enqueue(.status(503), .status(429, headers: ["Retry-After": "2"]), .status(500))
            let token = try await credential(fake, tokenFile: path, sleeps: sleeps).getToken(scopes: [Env.scope])
            #expect(fake.isValid(token: token.token))
            #expect(fake.requests.count == 4)
            #expect(sleeps.sleeps == [.milliseconds(800), .seconds(2), .milliseconds(3200)])
        }
    }

    @Test func givesUpAfterThreeRetries() async throws {
        let directory = try TemporaryDirectory()
        let path = try directory.write("token", TestJWT.serviceAccountToken())
        try await withFakeEntra { fake in
            fake.enqueue(.status(502), .status(502), .status(502), .status(502), .status(502))
            let error = try await #require(throws: AuthenticationFailedError.self) {
                try await credential(fake, tokenFile: path).getToken(scopes: [Env.scope])
            }
            #expect(fake.requests.count == 4)
            #expect(error.statusCode == 502)
            #expect(error.description == "WorkloadIdentityCredential: Microsoft Entra ID is not answering normally (HTTP 502 after 4 attempts). This is usually temporary; the next request tries again. If it persists, check any proxy between the pod and \(fake.baseURL).")
        }
    }

    @Test func unreachableEntraIsAnAuthenticationFailure() async throws {
        let directory = try TemporaryDirectory()
        let path = try directory.write("token", TestJWT.serviceAccountToken())
        try await withFakeEntra { fake in
            let error = try await #require(throws: AuthenticationFailedError.self) {
                try await credential(fake, tokenFile: path, authority: IdentityTestEnvironment.closedLoopback,
                               attemptTimeout: .milliseconds(300)).getToken(scopes: [Env.scope])
            }
            #expect(error.description.hasPrefix("WorkloadIdentityCredential: Could not reach Microsoft Entra ID at http://127.0.0.1:9 (4 attempts): "))
        }
    }

    @Test func missingTokenFileIsAClearError() async throws {
        let directory = try TemporaryDirectory()
        try await withFakeEntra { fake in
            let error = try await #require(throws: AuthenticationFailedError.self) {
                try await credential(fake, tokenFile: directory.file("absent")).getToken(scopes: [Env.scope])
            }
            #expect(error.description.contains("AZURE_FEDERATED_TOKEN_FILE '\(directory.file("absent"))' does not exist"))
            #expect(fake.requests.isEmpty)
        }
    }

    @Test func emptyTokenFileIsAClearError() async throws {
        let directory = try TemporaryDirectory()
        let path = try directory.write("token", " \n")
        try await withFakeEntra { fake in
            let error = try await #require(throws: AuthenticationFailedError.self) {
                try await credential(fake, tokenFile: path).getToken(scopes: [Env.scope])
            }
            #expect(error.description.contains("is empty"))
            #expect(fake.requests.isEmpty)
        }
    }

    @Test func noAssertionOrTokenReachesLogsOrErrors() async throws {
        let directory = try TemporaryDirectory()
        let assertion = TestJWT.serviceAccountToken()
        let path = try directory.write("token", assertion)
        let capture = LogCapture()
        try await withFakeEntra { fake in
            let wi = try credential(fake, tokenFile: path, logger: capture.logger())
            let token = try await wi.getToken(scopes: [Env.scope])
            fake.enqueue(.error(FakeEntraFixtures.aadsts700024), .error(FakeEntraFixtures.aadsts70021))
            let error = try await #require(throws: AuthenticationFailedError.self) { try await wi.getToken(scopes: [Env.scope]) }
            #expect(!capture.lines.isEmpty)
            #expect(capture.lines(containing: assertion).isEmpty)
            #expect(capture.lines(containing: token.token).isEmpty)
            #expect(capture.lines(containing: "eyJ").isEmpty)
            #expect(!error.description.contains(assertion))
            #expect(!"\(token)".contains(token.token))
        }
    }

    @Test func incompleteConfigurationIsUnavailable() async throws {
        let configuration = try WorkloadIdentityConfiguration(environment: Env.make(["AZURE_CLIENT_ID": Env.clientID]))
        let wi = WorkloadIdentityCredential(configuration: configuration, httpClient: .shared, logger: Logger(label: "test"))
        let error = try await #require(throws: CredentialUnavailableError.self) { try await wi.getToken(scopes: [Env.scope]) }
        #expect(error.description == "WorkloadIdentityCredential: workload identity is not configured: AZURE_TENANT_ID and AZURE_FEDERATED_TOKEN_FILE are not set. Outside Kubernetes set all three, or use another credential (e.g. `az login` for local development).")
    }
}

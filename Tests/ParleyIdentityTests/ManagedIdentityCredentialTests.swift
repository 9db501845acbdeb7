import AsyncHTTPClient
import Foundation
import Logging
import ParleyIdentity
import ParleyTestSupport
import Testing

/// IMDS (through `AZURE_POD_IDENTITY_AUTHORITY_HOST`) and App Service against the loopback fake.
@Suite struct ManagedIdentityCredentialTests {
    typealias Env = IdentityTestEnvironment

    func managed(_ environment: [String: String], probeFirst: Bool = false, sleeps: SleepRecorder = SleepRecorder(),
                 clock: ManualClock = ManualClock(Date()), logger: Logger = Logger(label: "test"),
                 probeTimeout: Duration = .seconds(5)) throws -> ManagedIdentityCredential {
        var options = Env.options(sleeps)
        options.imdsProbeTimeout = probeTimeout
        let credential = ManagedIdentityCredential(environment: environment, httpClient: .shared, logger: logger,
                                                   options: options, now: clock.closure, probeFirst: probeFirst)
        try #require(Env.nonLoopback([credential.source.endpoint].compactMap { $0 }).isEmpty)
        return credential
    }

    @Test func imdsRequestCarriesApiVersionResourceClientIDAndMetadataHeader() async throws {
        try await withFakeEntra { fake in
            let credential = try managed(Env.make(fake: fake, [
                "AZURE_POD_IDENTITY_AUTHORITY_HOST": fake.baseURL + "/", "AZURE_CLIENT_ID": Env.clientID,
            ]))
            #expect(credential.source == .imds(host: fake.baseURL))
            let token = try await credential.getToken(scopes: [Env.scope])
            #expect(fake.isValid(token: token.token))
            let request = try #require(fake.imds.requests.first)
            #expect(request.query == [
                "api-version": "2018-02-01", "resource": "https://cognitiveservices.azure.com", "client_id": Env.clientID,
            ])
            #expect(request.headers["metadata"] == "true")
        }
    }

    @Test func systemAssignedIdentitySendsNoClientID() async throws {
        try await withFakeEntra { fake in
            _ = try await managed(Env.make(fake: fake)).getToken(scopes: [Env.scope])
            #expect(fake.imds.requests.first?.query["client_id"] == nil)
        }
    }

    @Test(arguments: [true, false])
    func acceptsNumbersAndNumericStrings(asStrings: Bool) async throws {
        let clock = ManualClock(Date())
        try await withFakeEntra { fake in
            fake.imds.enqueue(.token(lifetime: 86399, numbersAsStrings: asStrings, includeExpiresOn: false))
            let token = try await managed(Env.make(fake: fake), clock: clock).getToken(scopes: [Env.scope])
            #expect(token.expiresOn == clock.now().addingTimeInterval(86399))
            #expect(token.refreshOn == clock.now().addingTimeInterval(43199))
        }
    }

    @Test func expiresOnWinsOverExpiresIn() async throws {
        try await withFakeEntra { fake in
            fake.imds.enqueue(.token(lifetime: 3599))
            let clock = ManualClock(Date().addingTimeInterval(-100_000))  // our clock is far off: expires_on is absolute
            let token = try await managed(Env.make(fake: fake), clock: clock).getToken(scopes: [Env.scope])
            #expect(abs(token.expiresOn.timeIntervalSinceNow - 3599) < 60)
        }
    }

    @Test func standaloneRetriesEachRetryableStatusWithBackoff() async throws {
        let sleeps = SleepRecorder()
        try await withFakeEntra { fake in
            fake.imds.enqueue(.status(404), .status(410), .status(429), .status(500), .status(503), .token())
            let token = try await managed(Env.make(fake: fake), sleeps: sleeps).getToken(scopes: [Env.scope])
            #expect(fake.isValid(token: token.token))
            #expect(fake.imds.requests.count == 6)
            #expect(sleeps.sleeps == [.milliseconds(800), .seconds(5), .milliseconds(3200), .milliseconds(6400), .milliseconds(12800)])
        }
    }

    // Changed with issue 10: IMDS still failing after the retries is an authentication failure
    // (the chain stops), as in azure-identity 1.27 and azidentity; it used to be "unavailable".
    @Test func goneIsRetriedForAtLeastSeventySecondsThenFails() async throws {
        let sleeps = SleepRecorder()
        try await withFakeEntra { fake in
            for _ in 0..<6 { fake.imds.enqueue(.status(410)) }
            let error = try await #require(throws: AuthenticationFailedError.self) {
                try await managed(Env.make(fake: fake), sleeps: sleeps).getToken(scopes: [Env.scope])
            }
            #expect(fake.imds.requests.count == 6)
            #expect(sleeps.sleeps.reduce(.zero, +) >= .seconds(70))
            #expect(error.reason.contains("answered HTTP 410"))
        }
    }

    // Changed with issue 10 (identity.md §3.5): the probe is the token request without the
    // `Metadata` header, and any answer (IMDS's own 400 "Required metadata header") means IMDS is
    // there; the token request that follows gets the full retry policy.
    @Test func inChainTheProbeHasNoMetadataHeaderAndAnyAnswerMeansIMDSIsThere() async throws {
        let sleeps = SleepRecorder()
        try await withFakeEntra { fake in
            fake.imds.enqueue(.status(503), .status(503))
            let token = try await managed(Env.make(fake: fake), probeFirst: true, sleeps: sleeps).getToken(scopes: [Env.scope])
            #expect(fake.isValid(token: token.token))
            let requests = fake.imds.requests
            #expect(requests.count == 4)
            #expect(requests.first?.headers["metadata"] == nil)
            #expect(requests.first?.query["resource"] == "https://cognitiveservices.azure.com")
            #expect(fake.imds.tokenRequests.count == 3)
            #expect(sleeps.sleeps.count == 2)
        }
    }

    @Test func probeGivesUpWhenNothingListens() async throws {
        let started = ContinuousClock.now
        let error = try await #require(throws: CredentialUnavailableError.self) {
            try await managed(Env.make(["AZURE_POD_IDENTITY_AUTHORITY_HOST": Env.closedLoopback]), probeFirst: true,
                              probeTimeout: .milliseconds(500)).getToken(scopes: [Env.scope])
        }
        #expect(ContinuousClock.now - started < .seconds(5))
        #expect(error.reason.hasPrefix("no managed identity endpoint answered at \(Env.closedLoopback) within 0.5 s (connection refused)"))
    }

    /// Every address of the host is tried: "localhost" may resolve to ::1 first, and the fake
    /// listens on 127.0.0.1 only.
    @Test func probeTriesEveryAddressOfTheHost() async throws {
        try await withFakeEntra { fake in
            let environment = Env.make(fake: fake, ["AZURE_POD_IDENTITY_AUTHORITY_HOST": "http://localhost:\(fake.port)"])
            let token = try await managed(environment, probeFirst: true).getToken(scopes: [Env.scope])
            #expect(fake.isValid(token: token.token))
        }
    }

    /// Only the connection is timed: an IMDS that is slow to answer the probe is still found.
    @Test func aSlowProbeAnswerStillMeansIMDSIsThere() async throws {
        try await withFakeEntra { fake in
            fake.imds.enqueueProbe(.delayed(.seconds(1), .status(400, body: FakeEntraFixtures.imdsMissingMetadataHeader)))
            let token = try await managed(Env.make(fake: fake), probeFirst: true, probeTimeout: .milliseconds(300)).getToken(scopes: [Env.scope])
            #expect(fake.isValid(token: token.token))
        }
    }

    @Test func dockerDesktopsUnreachableProbeAnswerMeansNoIMDS() async throws {
        try await withFakeEntra { fake in
            fake.imds.enqueueProbe(.status(403, body: "connecting to 169.254.169.254:80: connecting to 169.254.169.254:80: dial tcp 169.254.169.254:80: connectex: A socket operation was attempted to an unreachable network.",
                                          headers: ["Content-Type": "text/plain"]))
            let error = try await #require(throws: CredentialUnavailableError.self) {
                try await managed(Env.make(fake: fake), probeFirst: true).getToken(scopes: [Env.scope])
            }
            #expect(error.reason.contains("unreachable"))
            #expect(fake.imds.tokenRequests.isEmpty)
        }
    }

    @Test(arguments: [503, 404, 429, 500])
    func retryableStatusesStillFailingStopAsAuthenticationFailed(status: Int) async throws {
        try await withFakeEntra { fake in
            for _ in 0..<6 { fake.imds.enqueue(.status(status)) }
            let error = try await #require(throws: AuthenticationFailedError.self) {
                try await managed(Env.make(fake: fake), probeFirst: true).getToken(scopes: [Env.scope])
            }
            #expect(error.statusCode == status)
            #expect(error.reason.contains("answered HTTP \(status)"))
            #expect(error.reason.contains("6 attempts"))
        }
    }

    @Test(arguments: [
        (200, "<html><body>Welcome to the proxy</body></html>"),
        (200, "not json at all"),
        (401, "<html><body>Proxy authentication required</body></html>"),
        (403, "<html><body>Forbidden by policy</body></html>"),
    ])
    func aPageThatIsNotFromIMDSMeansUnavailable(status: Int, body: String) async throws {
        try await withFakeEntra { fake in
            fake.imds.enqueue(.status(status, body: body, headers: ["Content-Type": "text/html"]))
            let error = try await #require(throws: CredentialUnavailableError.self) {
                try await managed(Env.make(fake: fake)).getToken(scopes: [Env.scope])
            }
            #expect(error.reason.contains("HTTP \(status)"))
        }
    }

    @Test func probeDefaultIsOneSecond() {
        #expect(IdentityOptions().imdsProbeTimeout == .seconds(1))
        #expect(IdentityOptions().entraAttemptTimeout == .seconds(15))
        #expect(IdentityOptions().processTimeout == .seconds(10))
    }

    @Test func afterTheProbeAnsweredLaterCallsRetry() async throws {
        try await withFakeEntra { fake in
            let credential = try managed(Env.make(fake: fake), probeFirst: true)
            _ = try await credential.getToken(scopes: [Env.scope])
            fake.imds.enqueue(.status(503), .token())
            _ = try await credential.getToken(scopes: [Env.scope])
            #expect(fake.imds.requests.count == 4)  // one probe, then token requests only
            #expect(fake.imds.tokenRequests.count == 3)
        }
    }

    @Test func identityNotFoundIsUnavailableWithAHint() async throws {
        try await withFakeEntra { fake in
            fake.imds.enqueue(.status(400, body: FakeEntraFixtures.imdsIdentityNotFound))
            let error = try await #require(throws: CredentialUnavailableError.self) {
                try await managed(Env.make(fake: fake, ["AZURE_CLIENT_ID": Env.clientID])).getToken(scopes: [Env.scope])
            }
            #expect(error.description == "ManagedIdentityCredential: IMDS at \(fake.baseURL) has no token for the user-assigned identity with client ID '\(Env.clientID)' (HTTP 400 invalid_request: Identity not found). Assign that identity to this VM or scale set, or correct AZURE_CLIENT_ID.")
        }
    }

    @Test func multipleIdentitiesAsksForAClientID() async throws {
        try await withFakeEntra { fake in
            fake.imds.enqueue(.status(400, body: FakeEntraFixtures.imdsMultipleUserAssigned))
            let error = try await #require(throws: CredentialUnavailableError.self) {
                try await managed(Env.make(fake: fake)).getToken(scopes: [Env.scope])
            }
            #expect(error.reason.contains("set AZURE_CLIENT_ID to the client ID of the one Parley should use"))
        }
    }

    @Test func appServiceSendsTheIdentityHeaderAndParsesExpiresOnString() async throws {
        try await withFakeEntra { fake in
            let credential = try managed(Env.make(fake: fake, [
                "IDENTITY_ENDPOINT": fake.appServiceEndpoint, "IDENTITY_HEADER": fake.appService.identityHeader,
                "AZURE_CLIENT_ID": Env.clientID,
            ]))
            #expect(credential.source == .appService(endpoint: fake.appServiceEndpoint))
            let token = try await credential.getToken(scopes: [Env.scope])
            #expect(fake.isValid(token: token.token))
            #expect(abs(token.expiresOn.timeIntervalSinceNow - 3600) < 60)
            let request = try #require(fake.appService.requests.first)
            #expect(request.query == ["api-version": "2019-08-01", "resource": "https://cognitiveservices.azure.com", "client_id": Env.clientID])
            #expect(request.headers["x-identity-header"] == fake.appService.identityHeader)
            #expect(fake.imds.requests.isEmpty)
        }
    }

    @Test func appServiceRejectionNeverShowsTheHeader() async throws {
        let wrongHeader = "wrong-identity-header-secret"
        let capture = LogCapture()
        try await withFakeEntra { fake in
            let error = try await #require(throws: AuthenticationFailedError.self) {
                try await managed(Env.make(fake: fake, [
                    "IDENTITY_ENDPOINT": fake.appServiceEndpoint, "IDENTITY_HEADER": wrongHeader,
                ]), logger: capture.logger()).getToken(scopes: [Env.scope])
            }
            #expect(error.statusCode == 401)
            #expect(!error.description.contains(wrongHeader))
            #expect(capture.lines(containing: wrongHeader).isEmpty)
        }
    }

    @Test func identityEndpointWithoutHeaderIsUnsupported() async throws {
        let credential = try managed(Env.make(["IDENTITY_ENDPOINT": "http://127.0.0.1:9/msi/token"]))
        let error = try await #require(throws: CredentialUnavailableError.self) { try await credential.getToken(scopes: [Env.scope]) }
        #expect(error.reason.contains("IDENTITY_ENDPOINT is set without IDENTITY_HEADER"))
    }

    @Test func moreThanOneScopeIsRefused() async throws {
        let credential = try managed(Env.make())
        await #expect(throws: AuthenticationFailedError.self) { try await credential.getToken(scopes: ["a/.default", "b/.default"]) }
    }
}

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
            #expect(token.expiresOn == clock.now.addingTimeInterval(86399))
            #expect(token.refreshOn == clock.now.addingTimeInterval(43199))
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

    @Test func goneIsRetriedForAtLeastSeventySecondsThenUnavailable() async throws {
        let sleeps = SleepRecorder()
        try await withFakeEntra { fake in
            for _ in 0..<6 { fake.imds.enqueue(.status(410)) }
            let error = try await #require(throws: CredentialUnavailableError.self) {
                try await managed(Env.make(fake: fake), sleeps: sleeps).getToken(scopes: [Env.scope])
            }
            #expect(fake.imds.requests.count == 6)
            #expect(sleeps.sleeps.reduce(.zero, +) >= .seconds(70))
            #expect(error.reason.contains("answered HTTP 410"))
        }
    }

    @Test func inChainTheFirstRequestIsAOneShotProbe() async throws {
        try await withFakeEntra { fake in
            fake.imds.enqueue(.status(503), .status(503))
            let error = try await #require(throws: CredentialUnavailableError.self) {
                try await managed(Env.make(fake: fake), probeFirst: true).getToken(scopes: [Env.scope])
            }
            #expect(fake.imds.requests.count == 1)
            #expect(error.reason.contains("HTTP 503"))
        }
    }

    @Test func probeGivesUpAfterItsTimeout() async throws {
        try await withFakeEntra { fake in
            fake.imds.enqueue(.delayed(.seconds(30), .token()))
            let started = ContinuousClock.now
            let error = try await #require(throws: CredentialUnavailableError.self) {
                try await managed(Env.make(fake: fake), probeFirst: true, probeTimeout: .milliseconds(500)).getToken(scopes: [Env.scope])
            }
            #expect(ContinuousClock.now - started < .seconds(10))
            #expect(error.reason.hasPrefix("no managed identity endpoint answered at \(fake.baseURL) within 0.5 s"))
            // One probe and no retry (on a busy machine the request may not even have arrived).
            #expect(fake.imds.requests.count <= 1)
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
            #expect(fake.imds.requests.count == 3)
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

import Foundation
import Logging
import ParleyIdentity
import ParleyTestSupport
import Testing

/// `az` and `azd` credentials against the fake executables in Fixtures/bin, found through the
/// PATH of the environment passed in.
@Suite struct CLICredentialTests {
    typealias Env = IdentityTestEnvironment
    /// `accessToken` / `token` in the fixtures.
    static let fixtureToken = "eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.FAKE.FAKE"

    func az(_ overrides: [String: String?], withinChain: Bool = false, tenantID: String? = nil,
            logger: Logger = Logger(label: "test"), timeout: Duration = .seconds(5)) -> AzureCliCredential {
        var options = Env.options()
        options.processTimeout = timeout
        return AzureCliCredential(environment: Env.make(overrides), logger: logger, options: options,
                                  tenantID: tenantID, withinChain: withinChain)
    }

    func azd(_ overrides: [String: String?], timeout: Duration = .seconds(5)) -> AzureDeveloperCliCredential {
        var options = Env.options()
        options.processTimeout = timeout
        return AzureDeveloperCliCredential(environment: Env.make(overrides), logger: Logger(label: "test"), options: options)
    }

    @Test func azGetsATokenWithArgvWithoutAShell() async throws {
        let directory = try TemporaryDirectory()
        let record = directory.file("argv")
        let token = try await az(["FAKE_AZ_RECORD": record], tenantID: "00000000-0000-0000-0000-000000000000").getToken(scopes: [Env.scope])
        #expect(token.token == Self.fixtureToken)
        #expect(token.expiresOn == Date(timeIntervalSince1970: 1_893_492_000))  // expires_on wins over expiresOn
        let lines = try String(contentsOfFile: record, encoding: .utf8).split(separator: "\n").map(String.init)
        // The CLI runs in /bin (possibly a symlink), never in the app's directory.
        #expect(lines.first.map { URL(fileURLWithPath: String($0.dropFirst(4))).resolvingSymlinksInPath().path }
            == URL(fileURLWithPath: "/bin").resolvingSymlinksInPath().path)
        #expect(lines.dropFirst() == [
            "AZURE_CORE_NO_COLOR=true",
            "account", "get-access-token", "--output", "json", "--resource", "https://cognitiveservices.azure.com",
            "--tenant", "00000000-0000-0000-0000-000000000000",
        ])
    }

    @Test(arguments: ["UTC", "America/New_York", "Asia/Tokyo"])
    func azLegacyExpiresOnIsLocalTime(zone: String) async throws {
        let token = try await az(["FAKE_AZ_MODE": "legacy", "TZ": zone]).getToken(scopes: [Env.scope])
        // "2020-06-29 17:22:16.443545" in the zone az ran in.
        let formatter = DateFormatter()
        formatter.dateFormat = "yyyy-MM-dd HH:mm:ss.SSS"
        formatter.timeZone = TimeZone(identifier: zone)
        formatter.locale = Locale(identifier: "en_US_POSIX")
        #expect(formatter.string(from: token.expiresOn) == "2020-06-29 17:22:16.443")
        let utcDifference = TimeZone(identifier: zone)!.secondsFromGMT(for: token.expiresOn)
        // 2020-06-29T17:22:16.443545Z is 1593451336.443545; local time is that minus the offset.
        #expect(abs(token.expiresOn.timeIntervalSince1970 + Double(utcDifference) - 1_593_451_336.443) < 0.01)
    }

    @Test func azNotLoggedInSaysRunAzLogin() async throws {
        let error = try await #require(throws: CredentialUnavailableError.self) {
            try await az(["FAKE_AZ_MODE": "not-logged-in"]).getToken(scopes: [Env.scope])
        }
        #expect(error.description == "AzureCliCredential: the Azure CLI is not logged in: run `az login` and try again.")
    }

    @Test func azExpiredSignInIsAFailureWithItsCodeAndHint() async throws {
        let standalone = try await #require(throws: AuthenticationFailedError.self) {
            try await az(["FAKE_AZ_MODE": "refresh-expired"]).getToken(scopes: [Env.scope])
        }
        #expect(standalone.reason.contains("AADSTS700082"))
        #expect(standalone.reason.contains("Run `az logout` and then `az login`"))
        // Inside the chain the same failure lets the chain continue.
        await #expect(throws: CredentialUnavailableError.self) {
            try await az(["FAKE_AZ_MODE": "refresh-expired"], withinChain: true).getToken(scopes: [Env.scope])
        }
    }

    @Test func azNotOnPath() async throws {
        let error = try await #require(throws: CredentialUnavailableError.self) {
            try await az(["PATH": "/nonexistent"]).getToken(scopes: [Env.scope])
        }
        #expect(error.reason == "the Azure CLI (az) is not on PATH; install it and run `az login`, or use another credential.")
    }

    @Test func azTimesOut() async throws {
        let started = ContinuousClock.now
        let error = try await #require(throws: CredentialUnavailableError.self) {
            try await az(["FAKE_AZ_MODE": "slow"], timeout: .milliseconds(300)).getToken(scopes: [Env.scope])
        }
        #expect(ContinuousClock.now - started < .seconds(3))
        #expect(error.reason.contains("did not finish within 0.3 s"))
    }

    @Test func azGarbageOutputNeverEchoesTheToken() async throws {
        let capture = LogCapture()
        let error = try await #require(throws: AuthenticationFailedError.self) {
            try await az(["FAKE_AZ_MODE": "garbage"], logger: capture.logger()).getToken(scopes: [Env.scope])
        }
        #expect(error.reason.hasPrefix("the Azure CLI printed something that is not a token"))
        #expect(!error.description.contains("GARBAGE"))
        #expect(capture.lines(containing: "GARBAGE").isEmpty)
    }

    @Test(arguments: ["https://x/.default; rm -rf /", "--help", "https://x/.default\nfoo", "$(id)"])
    func unsafeScopesNeverReachTheCommandLine(scope: String) async throws {
        let directory = try TemporaryDirectory()
        let record = directory.file("argv")
        await #expect(throws: AuthenticationFailedError.self) {
            try await az(["FAKE_AZ_RECORD": record]).getToken(scopes: [scope])
        }
        #expect(!FileManager.default.fileExists(atPath: record))
    }

    @Test func unsafeTenantIsRefused() async throws {
        await #expect(throws: AuthenticationFailedError.self) {
            try await az([:], tenantID: "t --debug").getToken(scopes: [Env.scope])
        }
    }

    @Test func azdGetsATokenAndReadsExpiresOnAsUTC() async throws {
        let directory = try TemporaryDirectory()
        let record = directory.file("argv")
        // TZ must not matter: the "Z" means UTC (azure-identity 1.27.0 gets this wrong).
        let token = try await azd(["FAKE_AZD_RECORD": record, "TZ": "America/New_York"]).getToken(scopes: [Env.scope])
        #expect(token.token == Self.fixtureToken)
        #expect(token.expiresOn == Date(timeIntervalSince1970: 1_893_492_000))
        let lines = try String(contentsOfFile: record, encoding: .utf8).split(separator: "\n").map(String.init)
        #expect(lines == ["NO_COLOR=true", "auth", "token", "--output", "json", "--no-prompt", "--scope", Env.scope])
    }

    @Test func azdFractionalSeconds() async throws {
        let token = try await azd(["FAKE_AZD_MODE": "fractional"]).getToken(scopes: [Env.scope])
        #expect(abs(token.expiresOn.timeIntervalSince1970 - 1_893_492_000.123) < 0.01)
    }

    @Test func azdNotLoggedIn() async throws {
        let error = try await #require(throws: CredentialUnavailableError.self) {
            try await azd(["FAKE_AZD_MODE": "not-logged-in"]).getToken(scopes: [Env.scope])
        }
        #expect(error.description == "AzureDeveloperCliCredential: the Azure Developer CLI is not logged in: run `azd auth login` and try again.")
    }

    @Test func azdErrorJSONIsShown() async throws {
        let error = try await #require(throws: AuthenticationFailedError.self) {
            try await azd(["FAKE_AZD_MODE": "error-json"]).getToken(scopes: [Env.scope])
        }
        #expect(error.reason.hasPrefix("`azd auth token` failed (exit 1): fetching token: AADSTS50076"))
    }

    @Test func azdNotOnPath() async throws {
        await #expect(throws: CredentialUnavailableError.self) {
            try await azd(["PATH": "/nonexistent"]).getToken(scopes: [Env.scope])
        }
    }
}

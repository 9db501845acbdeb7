import Foundation
import ParleyIdentity
import ParleyServer
import Testing

@Suite("Sign-in settings (issue 13)")
struct SignInSettingsTests {
    static let entra = [
        "PARLEY_AUTH": "entra", "PARLEY_AUTH_CLIENT_ID": "77777777-7777-7777-7777-777777777777",
        "AZURE_TENANT_ID": "00000000-0000-0000-0000-000000000000", "AZURE_FEDERATED_TOKEN_FILE": "/var/run/secrets/azure/tokens/azure-identity-token",
        "PARLEY_PUBLIC_URL": "https://parley.contoso.com/",
    ]

    private func load(_ environment: [String: String]) async throws -> ParleySettings {
        try await SettingsLoading.load(environment, identityVariables: IdentityEnvironment.variableNames)
    }

    private func failure(_ environment: [String: String]) async -> SettingsError? {
        do {
            _ = try await load(environment)
            return nil
        } catch {
            return error as? SettingsError
        }
    }

    @Test func noneIsTheDefault() async throws {
        let settings = try await load([:])
        #expect(settings.signIn.mode == .none)
        #expect(settings.signIn.openID == nil)
        #expect(settings.signIn.publicURL == "http://localhost:8087")
    }

    @Test func entraReadsItsSettings() async throws {
        let settings = try await load(Self.entra.merging(["PARLEY_AUTH_ALLOWED_GROUPS": " group-a, Parley.User ,,"]) { $1 })
        #expect(settings.signIn.mode == .entra)
        let openID = try #require(settings.signIn.openID)
        #expect(openID.redirectURI == "https://parley.contoso.com/auth/callback")
        #expect(openID.discoveryURL == "https://login.microsoftonline.com/00000000-0000-0000-0000-000000000000/v2.0/.well-known/openid-configuration")
        #expect(openID.allowedGroups == ["group-a", "Parley.User"])
        #expect(openID.clientSecret == nil)
        #expect(settings.signIn.publicOrigin == "https://parley.contoso.com")
    }

    @Test func entraNeedsAClientIDATenantAndACredential() async {
        #expect(await failure(Self.entra.merging(["PARLEY_AUTH_CLIENT_ID": ""]) { $1 })?.variable == "PARLEY_AUTH_CLIENT_ID")
        #expect(await failure(Self.entra.merging(["AZURE_TENANT_ID": ""]) { $1 })?.variable == "AZURE_TENANT_ID")
        #expect(await failure(Self.entra.merging(["AZURE_FEDERATED_TOKEN_FILE": ""]) { $1 })?.variable == "PARLEY_AUTH")
        #expect(await failure(["PARLEY_AUTH": "oidc"])?.problem.contains("none or entra") == true)
    }

    @Test func theRedirectURIMustBeHTTPSUnlessLoopback() async throws {
        #expect(await failure(Self.entra.merging(["PARLEY_PUBLIC_URL": "http://parley.contoso.com"]) { $1 })?.variable == "PARLEY_PUBLIC_URL")
        #expect(await failure(Self.entra.merging(["PARLEY_PUBLIC_URL": "https://parley.contoso.com/chat"]) { $1 })?.variable == "PARLEY_PUBLIC_URL")
        let loopback = try await load(Self.entra.merging(["PARLEY_PUBLIC_URL": "http://127.0.0.1:8087"]) { $1 })
        #expect(loopback.signIn.isLoopbackHTTP)
        #expect(!(try await load(Self.entra)).signIn.isLoopbackHTTP)
    }

    @Test func theCookieKeyMustBeLongBase64AndIsNeverShown() async throws {
        #expect(await failure(["PARLEY_COOKIE_KEY": "not base64!"])?.variable == "PARLEY_COOKIE_KEY")
        #expect(await failure(["PARLEY_COOKIE_KEY": Data(repeating: 1, count: 16).base64EncodedString()])?.problem.contains("16 bytes") == true)
        let key = Data((0..<32).map { UInt8($0) }).base64EncodedString()
        let secret = "laptop-secret-value-123"
        let settings = try await load(Self.entra.merging(["PARLEY_COOKIE_KEY": key, "PARLEY_AUTH_CLIENT_SECRET": secret]) { $1 })
        #expect(settings.signIn.cookieKey?.count == 32)
        let text = settings.summary.map { "\($0.0): \($0.1)" }.joined(separator: "\n")
        #expect(!text.contains(key) && !text.contains(secret))
        #expect(text.contains("client secret set (hidden)"))
        #expect(SettingNames.secrets.contains("PARLEY_AUTH_CLIENT_SECRET") && SettingNames.secrets.contains("PARLEY_COOKIE_KEY"))
    }
}

import Foundation
import ParleyIdentity
import ParleyServer
import Testing

/// Identity parts of the settings (issue 10): the CLIs get the whole environment, and the token
/// scopes follow the cloud of AZURE_AUTHORITY_HOST or the explicit overrides.
@Suite("Identity settings")
struct IdentitySettingsTests {
    private func load(_ environment: [String: String], dotEnv: String? = nil) async throws -> ParleySettings {
        try await SettingsLoading.load(environment, dotEnv: dotEnv, identityVariables: IdentityEnvironment.variableNames)
    }

    @Test func theCLIsGetTheWholeProcessEnvironmentWithDotEnvIdentityValuesOnTop() async throws {
        let settings = try await load([
            "AZURE_CONFIG_DIR": "/home/app/.azure", "AZD_CONFIG_DIR": "/home/app/.azd", "HTTPS_PROXY": "http://proxy.internal:3128",
            "SSL_CERT_FILE": "/etc/ssl/corp.pem", "HOME": "/home/app", "AZURE_CLIENT_ID": "from-the-environment",
        ], dotEnv: "AZURE_TENANT_ID=from-dotenv\nAZURE_CLIENT_ID=loses-to-the-environment\n")
        let environment = settings.identityEnvironment
        #expect(environment["AZURE_CONFIG_DIR"] == "/home/app/.azure")
        #expect(environment["AZD_CONFIG_DIR"] == "/home/app/.azd")
        #expect(environment["HTTPS_PROXY"] == "http://proxy.internal:3128")
        #expect(environment["SSL_CERT_FILE"] == "/etc/ssl/corp.pem")
        #expect(environment["HOME"] == "/home/app")
        #expect(environment["AZURE_TENANT_ID"] == "from-dotenv")
        #expect(environment["AZURE_CLIENT_ID"] == "from-the-environment")
    }

    @Test(arguments: [
        ("https://login.microsoftonline.com/", "https://cognitiveservices.azure.com/.default", "https://ossrdbms-aad.database.windows.net/.default"),
        ("https://login.microsoftonline.us/", "https://cognitiveservices.azure.us/.default", "https://ossrdbms-aad.database.usgovcloudapi.net/.default"),
        ("https://login.chinacloudapi.cn/", "https://cognitiveservices.azure.cn/.default", "https://ossrdbms-aad.database.chinacloudapi.cn/.default"),
    ])
    func scopesFollowTheCloudEverywhere(authority: String, openAI: String, postgres: String) async throws {
        let settings = try await load([
            "AZURE_AUTHORITY_HOST": authority, "PARLEY_SESSION_STORE": "postgres", "PARLEY_POSTGRES_AUTH": "entra",
            "PARLEY_POSTGRES_URL": "postgres://parley@db.example.test:5432/parley?sslmode=verify-full",
        ])
        #expect(settings.scopes.openAI == openAI)
        #expect(settings.scopes.postgres == postgres)
        #expect(settings.postgres?.entraScope == postgres)
    }

    @Test func overridesFromDotEnvWin() async throws {
        let settings = try await load(["AZURE_AUTHORITY_HOST": "https://login.microsoftonline.us"],
                                      dotEnv: "AZURE_OPENAI_SCOPE=https://cognitiveservices.example.test/.default\nPARLEY_POSTGRES_SCOPE=https://db.example.test/.default\n")
        #expect(settings.scopes.openAI == "https://cognitiveservices.example.test/.default")
        #expect(settings.scopes.postgres == "https://db.example.test/.default")
    }

    @Test func aBadOverrideStopsTheStartNamingTheVariable() async throws {
        do {
            _ = try await load(["AZURE_OPENAI_SCOPE": "cognitiveservices.azure.us"])
            Issue.record("expected a settings error")
        } catch let error as SettingsError {
            #expect("\(error)".contains("AZURE_OPENAI_SCOPE"))
        }
    }
}

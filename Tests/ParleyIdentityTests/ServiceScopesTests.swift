import ParleyIdentity
import Testing

/// The Azure OpenAI and PostgreSQL scopes follow the cloud of AZURE_AUTHORITY_HOST, unless
/// AZURE_OPENAI_SCOPE / PARLEY_POSTGRES_SCOPE say otherwise.
@Suite struct ServiceScopesTests {
    @Test(arguments: [
        (nil, "https://cognitiveservices.azure.com/.default", "https://ossrdbms-aad.database.windows.net/.default"),
        ("https://login.microsoftonline.com/", "https://cognitiveservices.azure.com/.default", "https://ossrdbms-aad.database.windows.net/.default"),
        ("https://login.microsoftonline.us/", "https://cognitiveservices.azure.us/.default", "https://ossrdbms-aad.database.usgovcloudapi.net/.default"),
        ("login.microsoftonline.us", "https://cognitiveservices.azure.us/.default", "https://ossrdbms-aad.database.usgovcloudapi.net/.default"),
        ("https://LOGIN.CHINACLOUDAPI.CN", "https://cognitiveservices.azure.cn/.default", "https://ossrdbms-aad.database.chinacloudapi.cn/.default"),
        ("http://127.0.0.1:8123", "https://cognitiveservices.azure.com/.default", "https://ossrdbms-aad.database.windows.net/.default"),
    ] as [(String?, String, String)])
    func scopesFollowTheAuthorityHost(authority: String?, openAI: String, postgres: String) throws {
        var environment: [String: String] = [:]
        if let authority { environment["AZURE_AUTHORITY_HOST"] = authority }
        let scopes = try ServiceScopes(environment: environment)
        #expect(scopes.openAI == openAI)
        #expect(scopes.postgres == postgres)
        #expect(scopes.openAIAudience + "/.default" == openAI)
    }

    @Test func eachOverrideWinsOnItsOwn() throws {
        let openAI = try ServiceScopes(environment: [
            "AZURE_AUTHORITY_HOST": "https://login.microsoftonline.us", "AZURE_OPENAI_SCOPE": "https://cognitiveservices.example.test/.default",
        ])
        #expect(openAI.openAI == "https://cognitiveservices.example.test/.default")
        #expect(openAI.postgres == "https://ossrdbms-aad.database.usgovcloudapi.net/.default")
        #expect(openAI.cloud == .usGovernment)

        let postgres = try ServiceScopes(environment: ["PARLEY_POSTGRES_SCOPE": " https://ossrdbms-aad.database.example.test/.default "])
        #expect(postgres.openAI == "https://cognitiveservices.azure.com/.default")
        #expect(postgres.postgres == "https://ossrdbms-aad.database.example.test/.default")
    }

    @Test(arguments: ["AZURE_OPENAI_SCOPE", "PARLEY_POSTGRES_SCOPE"])
    func anOverrideThatIsNotAScopeFailsNamingTheVariable(variable: String) {
        for value in ["https://cognitiveservices.azure.us", "cognitiveservices.azure.us/.default", "https://x y/.default"] {
            let error = #expect(throws: IdentityConfigurationError.self) { try ServiceScopes(environment: [variable: value]) }
            #expect(error?.variable == variable)
            #expect(error?.message.hasPrefix("\(variable) '\(value)' is not a token scope") == true)
        }
    }

    @Test func theNewVariablesAreListed() {
        for name in ["AZURE_OPENAI_SCOPE", "PARLEY_POSTGRES_SCOPE", "AZURE_CLIENT_CERTIFICATE_PATH", "AZURE_CLIENT_CERTIFICATE_PASSWORD"] {
            #expect(IdentityEnvironment.variableNames.contains(name))
        }
        #expect(IdentityEnvironment.secretVariableNames.contains("AZURE_CLIENT_CERTIFICATE_PASSWORD"))
    }
}

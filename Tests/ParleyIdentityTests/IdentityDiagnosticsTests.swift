import Foundation
import ParleyIdentity
import ParleyTestSupport
import Testing

@Suite struct IdentityDiagnosticsTests {
    typealias Env = IdentityTestEnvironment

    @Test func variablesShowValuesExceptSecrets() {
        let secret = "diagnostics-secret-0123456789"
        let variables = IdentityDiagnostics.variables(environment: [
            "AZURE_CLIENT_ID": Env.clientID, "AZURE_CLIENT_SECRET": secret, "IDENTITY_HEADER": "header-secret-0123",
        ])
        #expect(variables.map(\.name) == IdentityEnvironment.variableNames)
        let byName = Dictionary(uniqueKeysWithValues: variables.map { ($0.name, $0) })
        #expect(byName["AZURE_CLIENT_ID"]?.display == "AZURE_CLIENT_ID=\(Env.clientID)")
        #expect(byName["AZURE_CLIENT_SECRET"]?.display == "AZURE_CLIENT_SECRET is set (secret, not shown)")
        #expect(byName["AZURE_CLIENT_SECRET"]?.value == nil)
        #expect(byName["IDENTITY_HEADER"]?.value == nil)
        #expect(byName["AZURE_TENANT_ID"]?.display == "AZURE_TENANT_ID is not set")
        for variable in variables { #expect(!variable.display.contains(secret)) }
    }

    @Test func variableNamesCoverEverythingTheLibraryReads() {
        let names = Set(IdentityEnvironment.variableNames)
        for name in ["AZURE_CLIENT_ID", "AZURE_TENANT_ID", "AZURE_FEDERATED_TOKEN_FILE", "AZURE_AUTHORITY_HOST",
                     "AZURE_CLIENT_SECRET", "AZURE_TOKEN_CREDENTIALS", "AZURE_POD_IDENTITY_AUTHORITY_HOST",
                     "IDENTITY_ENDPOINT", "IDENTITY_HEADER", "KUBERNETES_SERVICE_HOST", "PATH"] {
            #expect(names.contains(name))
        }
        #expect(names.count == IdentityEnvironment.variableNames.count)
    }

    @Test func projectedTokenClaimsBesideTheVariables() throws {
        let directory = try TemporaryDirectory()
        let now = Date()
        let path = try directory.write("token", TestJWT.serviceAccountToken(issuedAt: now.addingTimeInterval(-600)))
        let report = IdentityDiagnostics.projectedToken(environment: [
            "AZURE_FEDERATED_TOKEN_FILE": path, "AZURE_CLIENT_ID": Env.clientID, "AZURE_TENANT_ID": Env.tenantID,
        ], now: now)
        #expect(report.problem == nil)
        #expect(report.warnings.isEmpty)
        #expect(report.clientID == Env.clientID)
        #expect(report.tenantID == Env.tenantID)
        let claims = try #require(report.claims)
        #expect(claims.issuer == "https://eastus.oic.prod-aks.azure.com/00000000-0000-0000-0000-000000000000/11111111-1111-1111-1111-111111111111/")
        #expect(claims.subject == "system:serviceaccount:chat:chat-sa")
        #expect(claims.audiences == ["api://AzureADTokenExchange"])
        #expect(claims.namespace == "chat")
        #expect(claims.serviceAccount == "chat-sa")
        #expect(abs((report.secondsLeft ?? 0) - 3000) < 2)
    }

    @Test func projectedTokenWarnings() throws {
        let directory = try TemporaryDirectory()
        let path = try directory.write("token", TestJWT.serviceAccountToken(
            serviceAccount: "default", audience: "https://kubernetes.default.svc", issuedAt: Date().addingTimeInterval(-7200)))
        let report = IdentityDiagnostics.projectedToken(environment: ["AZURE_FEDERATED_TOKEN_FILE": path])
        #expect(report.warnings.count == 3)
        #expect(report.warnings[0].hasPrefix("The token expired at"))
        #expect(report.warnings[1] == "The token's audience is 'https://kubernetes.default.svc', expected 'api://AzureADTokenExchange': this is not the workload-identity projected token.")
        #expect(report.warnings[2] == "The pod runs as the 'default' service account; set serviceAccountName to the account the federated credential names.")
    }

    @Test func projectedTokenProblems() throws {
        let directory = try TemporaryDirectory()
        #expect(IdentityDiagnostics.projectedToken(environment: [:]).problem == "AZURE_FEDERATED_TOKEN_FILE is not set.")
        let missing = IdentityDiagnostics.projectedToken(environment: ["AZURE_FEDERATED_TOKEN_FILE": directory.file("absent")])
        #expect(missing.problem?.contains("does not exist") == true)
        let garbage = try directory.write("garbage", "not-a-jwt")
        let report = IdentityDiagnostics.projectedToken(environment: ["AZURE_FEDERATED_TOKEN_FILE": garbage])
        #expect(report.problem == "AZURE_FEDERATED_TOKEN_FILE '\(garbage)' does not hold a JWT (not a JWT: expected three '.'-separated parts, found 1).")
    }

    @Test func sampleProjectedTokenPayloadDecodes() throws {
        let payload = try Data(contentsOf: Env.fixtures.appendingPathComponent("projected-sa-token-payload.json"))
        let base64 = payload.base64EncodedString().replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
        let claims = try ProjectedTokenClaims(jwt: "eyJhbGciOiJub25lIn0.\(base64).sig")
        #expect(claims.subject == "system:serviceaccount:chat:chat-sa")
        #expect(claims.expiresAt == Date(timeIntervalSince1970: 1_735_693_200))
        #expect(claims.issuedAt == Date(timeIntervalSince1970: 1_735_689_600))
        #expect(claims.pod == "chat-7d9f6c9b8-abcde")
    }

    @Test func accessTokenClaimsShowThePrincipal() throws {
        let now = Date()
        let token = AccessToken(token: TestJWT.accessToken(issuedAt: now, lifetime: 3600), expiresOn: now.addingTimeInterval(3600))
        let report = IdentityDiagnostics.accessToken(token, now: now)
        let claims = try #require(report.claims)
        #expect(claims.objectID == "aaaaaaaa-0000-1111-2222-bbbbbbbbbbbb")
        #expect(claims.clientID == "66666666-6666-6666-6666-666666666666")
        #expect(claims.tenantID == "00000000-0000-0000-0000-000000000000")
        #expect(claims.audiences == ["https://cognitiveservices.azure.com"])
        #expect(claims.identityType == "app")
        #expect(report.secondsLeft == 3600)
        let opaque = IdentityDiagnostics.accessToken(AccessToken(token: "opaque", expiresOn: now), now: now)
        #expect(opaque.claims == nil)
        #expect(opaque.problem != nil)
    }

    @Test func accessTokenDescriptionNeverShowsTheToken() {
        let token = AccessToken(token: "super-secret-bearer", expiresOn: Date(timeIntervalSince1970: 1_900_000_000))
        #expect("\(token)" == "AccessToken(token: <redacted>, expiresOn: 2030-03-17T17:46:40Z)")
        #expect(String(reflecting: token) == "\(token)")
    }
}

@Suite struct DiagnosticsJSONTests {
    @Test func attemptsEncodeForDoctorJSON() throws {
        let attempts = [
            CredentialAttempt(credential: "EnvironmentCredential", outcome: .unavailable(reason: "not configured.")),
            CredentialAttempt(credential: "AzureCliCredential", outcome: .succeeded(expiresOn: Date(timeIntervalSince1970: 0))),
        ]
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        encoder.dateEncodingStrategy = .iso8601
        let json = String(decoding: try encoder.encode(attempts), as: UTF8.self)
        #expect(json == #"[{"credential":"EnvironmentCredential","reason":"not configured.","result":"unavailable"},{"credential":"AzureCliCredential","expiresOn":"1970-01-01T00:00:00Z","result":"succeeded"}]"#)
    }
}

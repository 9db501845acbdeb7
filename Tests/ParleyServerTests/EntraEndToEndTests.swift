import Foundation
import NIOHTTP1
import ParleyTestSupport
import Testing

@Suite("Keyless end to end: workload identity → fake Entra → fake Azure OpenAI")
struct EntraEndToEndTests {
    static let tenant = "72f988bf-86f1-41af-91ab-2d7cd011db47"
    static let clientID = "11111111-2222-3333-4444-555555555555"

    /// A fake Entra that federates the projected token, a fake Azure OpenAI that accepts only
    /// unexpired tokens that fake Entra issued, and Parley's workload-identity environment.
    static func withKeylessSetup(
        clock: ManualClock, _ body: @Sendable (FakeEntra, FakeAzureOpenAI, [String: String]) async throws -> Void
    ) async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("parley-wi-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let tokenFile = folder.appendingPathComponent("azure-identity-token")
        let issuer = "https://oidc.example.test/tenant/cluster/"
        try TestJWT.serviceAccountToken(issuer: issuer, namespace: "chat", serviceAccount: "parley", issuedAt: clock.now(), lifetime: 86400)
            .write(to: tokenFile, atomically: true, encoding: .utf8)

        var entraOptions = FakeEntra.Options()
        entraOptions.now = { clock.now() }
        entraOptions.lifetime = 3600
        entraOptions.federatedCredential = .init(issuer: issuer, subject: "system:serviceaccount:chat:parley")
        let entra = try await FakeEntra.start(options: entraOptions)
        let issuerOfTokens = entra.issuer
        let openAI = try await FakeAzureOpenAI.start(
            options: .init(bearerTokenValidator: { issuerOfTokens.isValid($0, at: clock.now()) }))
        let environment = [
            "OPENAI_API_BASE": openAI.endpoint,
            "OPENAI_API_TYPE": "azure_ad",
            "DEPLOYMENT_NAME": "gpt-35-turbo",
            "AZURE_CLIENT_ID": clientID,
            "AZURE_TENANT_ID": tenant,
            "AZURE_FEDERATED_TOKEN_FILE": tokenFile.path,
            "AZURE_AUTHORITY_HOST": entra.baseURL,
            // Only workload identity: nothing may fall through to IMDS or a developer's az login.
            "AZURE_TOKEN_CREDENTIALS": "WorkloadIdentityCredential",
            "PARLEY_MAX_RETRIES": "0",
        ]
        do {
            try await body(entra, openAI, environment)
        } catch {
            await entra.stop()
            try? await openAI.shutdown()
            throw error
        }
        await entra.stop()
        try await openAI.shutdown()
    }

    @Test func anExpiredTokenIsReplacedBeforeAnyRequestFails() async throws {
        let clock = ManualClock(Date())
        try await Self.withKeylessSetup(clock: clock) { entra, openAI, environment in
            try await ServerHarness.run(environment: environment, now: { clock.now() }) { server in
                #expect(try await server.request(.GET, "/readyz", headers: []).status == 200)
                let first = try await server.ask("first question")
                #expect(first.status == 200, "\(first.body)")
                let session = try #require(first.json["session_id"] as? String)

                clock.advance(by: 3700)  // the first token has expired

                let second = try await server.ask("second question", session: session)
                #expect(second.status == 200, "\(second.body)")

                let tokens = await openAI.requests.compactMap(\.bearerToken)
                #expect(tokens.count == 2)
                #expect(Set(tokens).count == 2, "the expired token was sent again")
                #expect(await openAI.requests.allSatisfy { $0.status == 200 }, "a request failed on the way")
                #expect(entra.requests.count == 2)
                for token in entra.issuer.issuedTokens {
                    #expect(server.logs.lines(containing: token).isEmpty, "a token reached the log")
                }
            }
        }
    }

    @Test func notReadyWhenNoCredentialCanProduceAToken() async throws {
        let clock = ManualClock(Date())
        try await Self.withKeylessSetup(clock: clock) { _, _, environment in
            var broken = environment
            broken["AZURE_FEDERATED_TOKEN_FILE"] = "/nonexistent/azure-identity-token"
            try await ServerHarness.run(environment: broken, now: { clock.now() }) { server in
                let ready = try await server.request(.GET, "/readyz", headers: [])
                #expect(ready.status == 503)
                #expect(ready.json["status"] as? String == "not_ready")
                #expect((ready.json["reason"] as? String)?.contains("token") == true)
                let ask = try await server.ask("hello")
                #expect(ask.status == 503)
                #expect(ask.errorCode == "credential_unavailable")
            }
        }
    }
}

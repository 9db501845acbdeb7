import Foundation
import NIOHTTP1
import ParleyTestSupport
import Testing

/// What an anonymous client sees when the service is misconfigured: a code, a plain sentence and
/// the request id; never client or tenant ids, file paths, hosts, database users or Entra trace
/// ids. Those go to the log under the same request id (and to `parley doctor`).
@Suite("Anonymous errors carry no internals")
struct AnonymousErrorTests {
    static let tenant = "72f988bf-86f1-41af-91ab-2d7cd011db47"
    static let clientID = "11111111-2222-3333-4444-555555555555"

    @Test func aBrokenCredentialChainIsAPlainSentenceWithTheDetailsLogged() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("parley-anon-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let tokenFile = folder.appendingPathComponent("azure-identity-token")
        let issuer = "https://oidc.example.test/tenant/cluster/"
        try TestJWT.serviceAccountToken(issuer: issuer, namespace: "chat", serviceAccount: "parley", issuedAt: Date(), lifetime: 86400)
            .write(to: tokenFile, atomically: true, encoding: .utf8)
        var options = FakeEntra.Options()
        // Trusts another service account: Entra answers AADSTS70021 with its trace and correlation ids.
        options.federatedCredential = .init(issuer: issuer, subject: "system:serviceaccount:other:other")
        let entra = try await FakeEntra.start(options: options)
        let openAI = try await FakeAzureOpenAI.start(options: .init())
        let environment = [
            "OPENAI_API_BASE": openAI.endpoint, "OPENAI_API_TYPE": "azure_ad", "DEPLOYMENT_NAME": "gpt-35-turbo",
            "AZURE_CLIENT_ID": Self.clientID, "AZURE_TENANT_ID": Self.tenant, "AZURE_FEDERATED_TOKEN_FILE": tokenFile.path,
            "AZURE_AUTHORITY_HOST": entra.baseURL, "AZURE_TOKEN_CREDENTIALS": "WorkloadIdentityCredential",
        ]
        let internals = [Self.clientID, Self.tenant, tokenFile.path, folder.lastPathComponent, "127.0.0.1", ":\(entra.port)", "AADSTS", "trace"]
        do {
            try await ServerHarness.run(environment: environment) { server in
                for reply in [try await server.request(.GET, "/readyz", headers: []), try await server.ask("hello")] {
                    #expect(reply.status == 503, "\(reply.body)")
                    for secret in internals {
                        #expect(!reply.body.contains(secret), "'\(secret)' reached an anonymous client: \(reply.body)")
                    }
                    #expect(reply.body.contains("parley doctor"), "\(reply.body)")
                    let requestID = try #require(reply.headers.first(name: "X-Request-Id"))
                    #expect(reply.body.contains(requestID), "the body names its request id")
                    // The operator finds the whole explanation under that id.
                    let explained = server.logs.lines(containing: requestID).contains { $0.contains("70021") && $0.contains(Self.clientID) }
                    #expect(explained, "\(server.logs.lines(containing: requestID))")
                }
                let ask = try await server.ask("hello")
                #expect(ask.errorCode == "credential_unavailable")
            }
        } catch {
            await entra.stop()
            try? await openAI.shutdown()
            throw error
        }
        await entra.stop()
        try await openAI.shutdown()
    }

    @Test func anUnreachableSessionStoreNamesNeitherHostNorUser() async throws {
        let environment = [
            "PARLEY_SESSION_STORE": "postgres", "PGHOST": "127.0.0.1", "PGPORT": "9", "PGUSER": "parley_secret_user",
            "PGDATABASE": "parley_secret_db", "PGPASSWORD": "pw-not-for-clients",
        ]
        try await ServerHarness.run(environment: environment) { server in
            for reply in [try await server.request(.GET, "/readyz", headers: []), try await server.ask("hello")] {
                #expect(reply.status == 503, "\(reply.body)")
                for secret in ["parley_secret_user", "parley_secret_db", "pw-not-for-clients", "127.0.0.1", ":9"] {
                    #expect(!reply.body.contains(secret), "'\(secret)' reached an anonymous client: \(reply.body)")
                }
                let requestID = try #require(reply.headers.first(name: "X-Request-Id"))
                #expect(server.logs.lines(containing: requestID).contains { $0.contains("127.0.0.1") }, "the log names the host")
            }
            #expect(try await server.ask("hello").errorCode == "store_unavailable")
        }
    }
}

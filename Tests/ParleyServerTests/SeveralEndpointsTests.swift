import Foundation
import ParleyTestSupport
import Testing

/// The server with PARLEY_BACKENDS_FILE (issue 15): two Entra backends and one API-key backend,
/// all fake Azure OpenAI servers on loopback, one fake Entra for the token.
@Suite("Several endpoints behind one Parley")
struct SeveralEndpointsTests {
    static let westKey = "west-key-0123456789abcdef"
    static let clientSecret = "client-secret-0123456789abcdef"

    struct Setup: Sendable {
        let entra: FakeEntra
        let east: FakeAzureOpenAI
        let central: FakeAzureOpenAI
        let west: FakeAzureOpenAI
        let environment: [String: String]
    }

    static func withSetup(_ body: @Sendable (Setup) async throws -> Void) async throws {
        var entraOptions = FakeEntra.Options()
        entraOptions.clientSecret = clientSecret
        let entra = try await FakeEntra.start(options: entraOptions)
        let issuer = entra.issuer
        var entraBacked = FakeAzureOpenAI.Options(deployments: ["gpt-4o"], chunkDelay: .zero)
        entraBacked.bearerTokenValidator = { issuer.isValid($0, at: Date()) }
        let east = try await FakeAzureOpenAI.start(options: entraBacked)
        let central = try await FakeAzureOpenAI.start(options: entraBacked)
        let west = try await FakeAzureOpenAI.start(options: .init(deployments: ["gpt-4o"], apiKey: westKey, chunkDelay: .zero))
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("parley-several-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("backends.json")
        try """
            {"deployments": {"gpt-4o": [
               {"endpoint": "\(east.endpoint)/", "priority": 1},
               {"endpoint": "\(central.endpoint)", "deployment": "gpt-4o", "priority": 1, "weight": 1},
               {"endpoint": "\(west.endpoint)", "priority": 2, "api_key_env": "WEST_KEY"}]},
             "default_deployment": "gpt-4o"}
            """.write(to: file, atomically: true, encoding: .utf8)
        let environment = [
            "PARLEY_BACKENDS_FILE": file.path,
            "WEST_KEY": westKey,
            "AZURE_TENANT_ID": "72f988bf-86f1-41af-91ab-2d7cd011db47",
            "AZURE_CLIENT_ID": "11111111-2222-3333-4444-555555555555",
            "AZURE_CLIENT_SECRET": clientSecret,
            "AZURE_AUTHORITY_HOST": entra.baseURL,
            "AZURE_TOKEN_CREDENTIALS": "EnvironmentCredential",
            "PARLEY_REQUEST_TIMEOUT": "5",
        ]
        var failure: (any Error)?
        do {
            try await body(Setup(entra: entra, east: east, central: central, west: west, environment: environment))
        } catch {
            failure = error
        }
        await entra.stop()
        for fake in [east, central, west] { try? await fake.shutdown() }
        if let failure { throw failure }
    }

    @Test func entraAndAPIKeyBackendsMixedWithOneTokenForAllEntraBackends() async throws {
        try await Self.withSetup { setup in
            try await ServerHarness.run(environment: setup.environment) { server in
                #expect(try await server.request(.GET, "/readyz", headers: []).status == 200)
                for index in 0..<8 {
                    let reply = try await server.ask("question \(index)")
                    #expect(reply.status == 200, "\(reply.body)")
                    #expect(reply.json["deployment"] as? String == "gpt-4o")
                }
                let east = await setup.east.requests
                let central = await setup.central.requests
                #expect(east.count + central.count == 8)
                #expect(!east.isEmpty && !central.isEmpty, "one priority-1 backend got nothing over 8 answers")
                #expect(await setup.west.requests.isEmpty, "priority 2 answered while priority 1 was healthy")
                let tokens = Set((east + central).compactMap(\.bearerToken))
                #expect(tokens.count == 1, "every Entra backend must use the one token")
                #expect(setup.entra.requests.count == 1, "one token fetched for all Entra backends")

                // Both Entra backends throttled: the API-key backend answers, at once.
                for fake in [setup.east, setup.central] { await fake.setDirectives("[[status:429]][[retry_after:10]]") }
                let moved = try await server.ask("throttled")
                #expect(moved.status == 200, "\(moved.body)")
                let west = await setup.west.requests
                #expect(west.count == 1)
                #expect(west.first?.authKind == .apiKey)
                #expect(west.first?.apiKey == Self.westKey)
                #expect(try await server.request(.GET, "/readyz", headers: []).status == 200)

                // Everything throttled: 429 with the shortest Retry-After, and not ready.
                await setup.west.setDirectives("[[status:429]][[retry_after:7]]")
                let limited = try await server.ask("all throttled")
                #expect(limited.status == 429, "\(limited.body)")
                #expect(limited.errorCode == "rate_limited")
                #expect(limited.headers.first(name: "Retry-After") == "7")
                #expect(try await server.request(.GET, "/readyz", headers: []).status == 503)

                // /config lists the deployments, never an endpoint.
                let config = try await server.request(.GET, "/config", headers: [])
                #expect(config.body.contains("gpt-4o"))
                for fake in [setup.east, setup.central, setup.west] {
                    #expect(!config.body.contains("\(fake.port)"), "/config exposes an endpoint")
                }

                let metrics = try await server.request(.GET, "/metrics", headers: []).body
                #expect(metrics.contains("parley_backend_requests_total{"))
                #expect(metrics.contains("outcome=\"rate_limited\""))
                #expect(metrics.contains("parley_backend_failovers_total{"))
                                let westState = metrics.split(separator: "\n").first {
                    $0.hasPrefix("parley_backend_state{") && $0.contains("backend=\"127.0.0.1:\(setup.west.port)/gpt-4o\"")
                }
                #expect(westState?.hasSuffix(" 1.0") == true, "west is not shown cooling: \(String(describing: westState))")

                // The log names the backend of each answer; no secret reaches it.
                #expect(server.logs.lines(containing: "Azure OpenAI answer served").count == 9)
                #expect(!server.logs.lines(containing: "127.0.0.1:\(setup.west.port)/gpt-4o").isEmpty)
                for secret in [Self.westKey, Self.clientSecret] + tokens {
                    #expect(server.logs.lines(containing: secret).isEmpty, "a secret reached the log")
                    #expect(!metrics.contains(secret))
                }
            }
        }
    }
}

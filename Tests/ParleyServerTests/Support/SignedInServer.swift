import Foundation
import ParleyServer
import ParleyTestSupport

/// The real application with PARLEY_AUTH=entra in front of a running fake Entra (its OpenID
/// provider), so tests act as a person the way a client does: `Authorization: Bearer <access
/// token>` minted by the fake for that person, checked by Parley's own sign-in middleware.
struct SignedInServer: Sendable {
    static let clientID = "77777777-7777-7777-7777-777777777777"
    static let tenantID = "00000000-0000-0000-0000-000000000000"
    static let publicURL = "http://127.0.0.1:8087"

    let server: ServerHarness
    let entra: FakeEntra
    /// The projected service-account token the app presents when it redeems a code.
    let assertion: String

    /// The Entra object id of the test person `user` (conversations and limits key on it).
    static func oid(_ user: String) -> String { "oid-\(user)" }

    /// A fresh access token for `user`, minted on the fake's clock (the shared `ManualClock`), so
    /// it is valid however far a test has moved the clock.
    func accessToken(_ user: String) -> String {
        entra.openID.token(
            .none, user: .init(oid: Self.oid(user), name: user), audience: "api://\(Self.clientID)", nonce: nil,
            baseURL: entra.baseURL)
    }

    /// Request headers that sign in as `user` (with a JSON content type unless `json` is false).
    func headers(_ user: String, json: Bool = true) -> [(String, String)] {
        let authorization = ("Authorization", "Bearer \(accessToken(user))")
        return json ? [("Content-Type", "application/json"), authorization] : [authorization]
    }

    /// Runs `body` against a Parley signed in through a fresh fake Entra; `environment`, `fakeOptions`
    /// and `metrics` are as for `ServerHarness.run`, and the app and the fake share `clock`.
    static func run(
        environment: [String: String] = [:],
        fakeOptions: FakeAzureOpenAI.Options? = nil,
        clock: ManualClock = ManualClock(Date()),
        metrics: ParleyMetrics = ParleyMetrics(),
        _ body: @Sendable (SignedInServer) async throws -> Void
    ) async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("parley-sign-in-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let assertion = TestJWT.serviceAccountToken(issuedAt: clock.now())
        let tokenFile = directory.appendingPathComponent("token").path
        try assertion.write(toFile: tokenFile, atomically: true, encoding: .utf8)
        var options = FakeEntra.Options()
        options.now = clock.closure
        options.openIDClientID = clientID
        options.expectedClientAssertion = assertion
        let entra = try await FakeEntra.start(options: options)
        do {
            let signIn = [
                "PARLEY_AUTH": "entra", "PARLEY_AUTH_CLIENT_ID": clientID, "AZURE_TENANT_ID": tenantID,
                "AZURE_AUTHORITY_HOST": entra.baseURL, "AZURE_FEDERATED_TOKEN_FILE": tokenFile, "PARLEY_PUBLIC_URL": publicURL,
            ]
            try await ServerHarness.run(
                environment: signIn.merging(environment) { $1 }, fakeOptions: fakeOptions, now: clock.closure, metrics: metrics
            ) { server in
                try await body(SignedInServer(server: server, entra: entra, assertion: assertion))
            }
            await entra.stop()
        } catch {
            await entra.stop()
            throw error
        }
    }
}

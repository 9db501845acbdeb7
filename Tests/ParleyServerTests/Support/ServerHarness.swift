import AsyncHTTPClient
import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import NIOHTTP1
import ParleyIdentity
import ParleyServer
import ParleyTestSupport
import Testing

/// Runs the real application (built by the composition root) on a loopback port, in front of a
/// fake Azure OpenAI that is a real HTTP server, and talks to it over HTTP with AsyncHTTPClient.
struct ServerHarness: Sendable {
    let port: Int
    let fake: FakeAzureOpenAI?
    let logs: LogCapture

    var base: String { "http://127.0.0.1:\(port)" }

    static let apiKey = "test-key-0123456789abcdef"

    /// Environment for an Azure-mode server pointing at `fake` (API key auth, no retries unless set).
    static func azureEnvironment(_ fake: FakeAzureOpenAI, _ extra: [String: String] = [:]) -> [String: String] {
        [
            "OPENAI_API_BASE": fake.endpoint,
            "OPENAI_API_KEY": apiKey,
            "DEPLOYMENT_NAME": "gpt-35-turbo",
            "PARLEY_DEPLOYMENTS": "gpt-35-turbo,gpt-4",
            "PARLEY_MAX_RETRIES": "0",
        ].merging(extra) { $1 }
    }

    /// Runs `body` against a server configured by `environment`; with `fakeOptions`, a fake upstream
    /// is started first and `environment` gets its address (through `azureEnvironment`).
    static func run(
        environment: [String: String] = [:],
        fakeOptions: FakeAzureOpenAI.Options? = nil,
        now: @escaping @Sendable () -> Date = { Date() },
        metrics: ParleyMetrics = ParleyMetrics(),
        _ body: @Sendable (ServerHarness) async throws -> Void
    ) async throws {
        let logs = LogCapture()
        var fake: FakeAzureOpenAI?
        var env = environment
        if var options = fakeOptions {
            options.apiKey = options.apiKey ?? apiKey
            let started = try await FakeAzureOpenAI.start(options: options)
            fake = started
            env = azureEnvironment(started, environment)
        }
        env["HOST"] = "127.0.0.1"
        env["PORT"] = "0"
        env["PARLEY_PUBLIC_DIR"] = env["PARLEY_PUBLIC_DIR"] ?? publicDirectory
        // No test may reach the real IMDS address: managed identity, if it is ever tried, goes to a
        // closed loopback port.
        env["AZURE_POD_IDENTITY_AUTHORITY_HOST"] = env["AZURE_POD_IDENTITY_AUTHORITY_HOST"] ?? "http://127.0.0.1:9"
        let settings = try await ParleySettings.load(
            environment: env, dotEnvPath: nil, identityVariables: IdentityEnvironment.variableNames)
        let app = try ParleyApplication.build(
            settings: settings,
            dependencies: .init(
                httpClient: .shared, logger: logs.logger(label: "parley", level: .debug), now: now, metrics: metrics))
        let upstream = fake
        do {
            try await app.test(.live) { client in
                try await body(ServerHarness(port: client.port!, fake: upstream, logs: logs))
            }
        } catch {
            try? await fake?.shutdown()
            throw error
        }
        try await fake?.shutdown()
    }

    /// The repository's Public/ folder, found from this file's path.
    static var publicDirectory: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Public").path
    }

    // MARK: requests

    struct Reply: Sendable {
        let status: Int
        let headers: HTTPHeaders
        let body: String

        var json: [String: Any] {
            (try? JSONSerialization.jsonObject(with: Data(body.utf8))) as? [String: Any] ?? [:]
        }

        var errorCode: String? { (json["error"] as? [String: Any])?["code"] as? String }
        var errorMessage: String? { (json["error"] as? [String: Any])?["message"] as? String }
    }

    func request(
        _ method: HTTPMethod, _ path: String, body: String? = nil,
        headers: [(String, String)] = [("Content-Type", "application/json")], base: String? = nil
    ) async throws -> Reply {
        var request = HTTPClientRequest(url: (base ?? self.base) + path)
        request.method = method
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if let body { request.body = .bytes(ByteBuffer(string: body)) }
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
        let buffer = try await response.body.collect(upTo: 4 << 20)
        return Reply(status: Int(response.status.code), headers: response.headers, body: String(buffer: buffer))
    }

    func ask(_ question: String, session: String? = nil, deployment: String? = nil) async throws -> Reply {
        try await request(.POST, "/ask", body: Self.askBody(question, session: session, deployment: deployment))
    }

    static func askBody(_ question: String, session: String? = nil, deployment: String? = nil, stream: Bool = false) -> String {
        var object: [String: Any] = ["question": question]
        if let session { object["session_id"] = session }
        if let deployment { object["deployment"] = deployment }
        if stream { object["stream"] = true }
        let data = try! JSONSerialization.data(withJSONObject: object)
        return String(decoding: data, as: UTF8.self)
    }

    func transcript(_ session: String) async throws -> [[String: String]] {
        let reply = try await request(.GET, "/sessions/\(session)", headers: [])
        return (reply.json["messages"] as? [[String: String]]) ?? []
    }
}

import AsyncHTTPClient
import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import ParleyServer
import ParleyTestSupport
import Testing

/// GET /metrics after a scripted set of requests: the counters and histograms say exactly what
/// happened, and the page parses as Prometheus text. Each test has its own registry (passed in,
/// never bootstrapped globally), so tests run in parallel.
@Suite("GET /metrics")
struct MetricsTests {
    static let apiKey = "metrics-test-key"
    /// A real handler at `critical`: Hummingbird reads the request id back from the logger's
    /// metadata, which a no-op handler does not keep.
    static let quiet: Logger = {
        var logger = Logger(label: "metrics-test", factory: { StreamLogHandler.standardError(label: $0) })
        logger.logLevel = .critical
        return logger
    }()

    private func post(_ client: some TestClientProtocol, _ body: [String: Any]) async throws -> (Int, [String: Any], String) {
        let data = try JSONSerialization.data(withJSONObject: body)
        return try await client.execute(
            uri: "/ask", method: .post, headers: [.contentType: "application/json"], body: ByteBuffer(bytes: data)
        ) { response in
            let text = String(buffer: response.body)
            let json = (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any] ?? [:]
            return (Int(response.status.code), json, text)
        }
    }

    @Test func countersAndHistogramsShowAScriptedSetOfRequests() async throws {
        let fake = try await FakeAzureOpenAI.start(options: .init(apiKey: Self.apiKey, rateLimitRetryAfterMilliseconds: 10))
        let settings = try await ParleySettings.load(
            environment: [
                "OPENAI_API_BASE": fake.endpoint, "OPENAI_API_KEY": Self.apiKey, "DEPLOYMENT_NAME": "gpt-35-turbo",
                "HOST": "127.0.0.1", "PORT": "0", "PARLEY_PUBLIC_DIR": ParleyProcess.repository.appendingPathComponent("Public").path,
            ], dotEnvPath: nil, identityVariables: [])
        let metrics = ParleyMetrics()
        let app = try ParleyApplication.build(
            settings: settings, dependencies: .init(httpClient: .shared, logger: Self.quiet, metrics: metrics))

        try await app.test(.live) { client in
            var prompt = 0
            var completion = 0
            func addUsage(_ usage: Any?) {
                let usage = usage as? [String: Any]
                prompt += usage?["prompt_tokens"] as? Int ?? 0
                completion += usage?["completion_tokens"] as? Int ?? 0
            }
            // Two answers, one in the same session.
            let (s1, first, _) = try await post(client, ["question": "hello"])
            #expect(s1 == 200)
            addUsage(first["usage"])
            let (s2, second, _) = try await post(client, ["question": "again", "session_id": first["session_id"] as Any])
            #expect(s2 == 200)
            addUsage(second["usage"])
            // A streamed answer.
            let (s3, _, stream) = try await post(client, ["question": "stream it", "stream": true])
            #expect(s3 == 200)
            let done = stream.components(separatedBy: "event: done\ndata: ").last?.split(separator: "\n").first.map(String.init) ?? ""
            addUsage((try? JSONSerialization.jsonObject(with: Data(done.utf8)) as? [String: Any])?["usage"])
            // A 429 that the retry absorbs.
            let (s4, retried, _) = try await post(client, ["question": "[[status:429:1]] busy upstream"])
            #expect(s4 == 200)
            addUsage(retried["usage"])
            // An upstream refusal and a bad request.
            let (s5, _, _) = try await post(client, ["question": "[[context_length]] too long"])
            #expect(s5 == 400)
            let (s6, _, _) = try await post(client, ["question": ""])
            #expect(s6 == 400)
            let session = first["session_id"] as? String ?? ""
            try await client.execute(uri: "/sessions/\(session)", method: .get) { #expect($0.status == .ok) }

            let page = try await client.execute(uri: "/metrics", method: .get) { response in
                #expect(response.headers[.contentType]?.hasPrefix("text/plain; version=0.0.4") == true)
                return String(buffer: response.body)
            }
            let parsed = try PrometheusText(parsing: page)
            let deployment = ["deployment": "gpt-35-turbo"]
            #expect(parsed.value("parley_http_requests_total", ["route": "/ask", "method": "POST", "status": "200"]) == 4)
            #expect(parsed.value("parley_http_requests_total", ["route": "/ask", "method": "POST", "status": "400"]) == 2)
            #expect(parsed.value("parley_http_requests_total", ["route": "/sessions/{id}", "method": "GET", "status": "200"]) == 1)
            #expect(parsed.value("parley_http_request_duration_seconds_count", ["route": "/ask"]) == 6)
            #expect(parsed.value("parley_time_to_first_token_seconds_count", deployment) == 4)
            #expect(parsed.value("parley_upstream_duration_seconds_count", deployment) == 5)
            #expect(prompt > 0 && completion > 0)
            #expect(parsed.value("parley_tokens_total", ["deployment": "gpt-35-turbo", "kind": "prompt"]) == Double(prompt))
            #expect(parsed.value("parley_tokens_total", ["deployment": "gpt-35-turbo", "kind": "completion"]) == Double(completion))
            #expect(parsed.value("parley_upstream_rate_limited_total", deployment) == 1)
            #expect(parsed.value("parley_upstream_retries_total", ["deployment": "gpt-35-turbo", "reason": "429"]) == 1)
            #expect(parsed.value("parley_upstream_errors_total", ["deployment": "gpt-35-turbo", "code": "context_length_exceeded"]) == 1)
            #expect(parsed.value("parley_active_streams") == 0)
            // Sessions: hello (+ again), stream, 429 and the refused one (opened, nothing recorded);
            // the bad request opened none.
            #expect(parsed.value("parley_sessions") == 4)
            #expect(parsed.types["parley_http_request_duration_seconds"] == "histogram")
            #expect(parsed.types["parley_http_requests_total"] == "counter")
            // Session ids are capabilities: never in a label.
            #expect(!page.contains(session))
        }
        try await fake.shutdown()
    }

    @Test func aStreamCountsAsActiveUntilItEnds() async throws {
        let fake = try await FakeAzureOpenAI.start(options: .init(apiKey: Self.apiKey, slowChunkDelay: .milliseconds(50)))
        let settings = try await ParleySettings.load(
            environment: [
                "OPENAI_API_BASE": fake.endpoint, "OPENAI_API_KEY": Self.apiKey, "DEPLOYMENT_NAME": "gpt-35-turbo",
                "HOST": "127.0.0.1", "PORT": "0",
            ], dotEnvPath: nil, identityVariables: [])
        let metrics = ParleyMetrics()
        let app = try ParleyApplication.build(
            settings: settings, dependencies: .init(httpClient: .shared, logger: Self.quiet, metrics: metrics))
        try await app.test(.live) { client in
            let port = try #require(client.port)
            let parley = ParleyProcess(port: port)
            let stream = try await parley.openStream("[[slow]] a long answer")
            let during = try PrometheusText(parsing: try await parley.text("/metrics"))
            #expect(during.value("parley_active_streams") == 1)
            #expect(try await stream.until("done") != nil)
            // The stream's request is counted when its body has ended.
            var after = try PrometheusText(parsing: try await parley.text("/metrics"))
            for _ in 0..<20 where after.value("parley_active_streams") != 0 {
                try await Task.sleep(for: .milliseconds(50))
                after = try PrometheusText(parsing: try await parley.text("/metrics"))
            }
            #expect(after.value("parley_active_streams") == 0)
            #expect(after.value("parley_http_requests_total", ["route": "/ask", "method": "POST", "status": "200"]) == 1)
        }
        try await fake.shutdown()
    }

    @Test func tokenAcquisitionsFailuresAndExpiryByCredential() async throws {
        let entra = try await FakeEntra.start()
        let fake = try await FakeAzureOpenAI.start(options: .init(bearerTokenValidator: { entra.isValid(token: $0) }))
        let identity = ["AZURE_TENANT_ID", "AZURE_CLIENT_ID", "AZURE_CLIENT_SECRET", "AZURE_AUTHORITY_HOST", "AZURE_POD_IDENTITY_AUTHORITY_HOST"]
        let settings = try await ParleySettings.load(
            environment: [
                "OPENAI_API_BASE": fake.endpoint, "OPENAI_API_TYPE": "azure_ad", "DEPLOYMENT_NAME": "gpt-35-turbo",
                "HOST": "127.0.0.1", "PORT": "0", "PARLEY_MAX_RETRIES": "0",
                "AZURE_TENANT_ID": "00000000-0000-0000-0000-000000000000", "AZURE_CLIENT_ID": "66666666-6666-6666-6666-666666666666",
                "AZURE_CLIENT_SECRET": "fake-secret", "AZURE_AUTHORITY_HOST": entra.baseURL,
                "AZURE_POD_IDENTITY_AUTHORITY_HOST": "http://127.0.0.1:9",
            ], dotEnvPath: nil, identityVariables: identity)
        let metrics = ParleyMetrics()
        let app = try ParleyApplication.build(
            settings: settings, dependencies: .init(httpClient: .shared, logger: Self.quiet, metrics: metrics))
        // The first token request is refused, the next one succeeds.
        entra.enqueue(.status(401, body: #"{"error":"invalid_client","error_description":"AADSTS7000215: Invalid client secret provided."}"#))
        try await app.test(.live) { client in
            let (refused, _, _) = try await post(client, ["question": "hello"])
            #expect(refused == 503)
            let (answered, _, _) = try await post(client, ["question": "hello again"])
            #expect(answered == 200)
            let page = try await client.execute(uri: "/metrics", method: .get) { String(buffer: $0.body) }
            let parsed = try PrometheusText(parsing: page)
            #expect(parsed.value("parley_token_failures_total", ["credential": "EnvironmentCredential"]) == 1)
            #expect(parsed.value("parley_token_acquisitions_total", ["credential": "EnvironmentCredential"]) == 1)
            let left = try #require(parsed.value("parley_token_expiry_seconds", ["scope": "https://cognitiveservices.azure.com/.default"]))
            #expect(left > 3500 && left <= 3600, "the fake issues tokens for 3600 s")
            #expect(parsed.value("parley_upstream_errors_total", ["deployment": "gpt-35-turbo", "code": "credential_unavailable"]) == 1)
            #expect(!page.contains("fake-secret"))
        }
        try await fake.shutdown()
        await entra.stop()
    }

    @Test func theParserRejectsWhatIsNotPrometheusText() {
        #expect(throws: PrometheusText.Invalid.self) { try PrometheusText(parsing: "parley_x 1\n") }  // no TYPE
        #expect(throws: PrometheusText.Invalid.self) { try PrometheusText(parsing: "# TYPE a counter\na{b=\"c} 1\n") }
        #expect(throws: PrometheusText.Invalid.self) { try PrometheusText(parsing: "# TYPE a counter\na one\n") }
        #expect(throws: PrometheusText.Invalid.self) {
            try PrometheusText(parsing: "# TYPE h histogram\nh_bucket{le=\"1\"} 2\nh_bucket{le=\"+Inf\"} 1\nh_sum 1\nh_count 1\n")
        }
        #expect(throws: Never.self) {
            try PrometheusText(parsing: "# TYPE h histogram\nh_bucket{le=\"1\"} 1\nh_bucket{le=\"+Inf\"} 2\nh_sum 1.5\nh_count 2\n")
        }
    }
}

/// PARLEY_METRICS_PORT: /metrics moves to its own port, off the one the LoadBalancer exposes.
@Suite("PARLEY_METRICS_PORT")
struct MetricsPortTests {
    @Test func metricsAreServedOnTheirOwnPortOnly() async throws {
        let metricsPort = try FreePort.next()
        let settings = try await ParleySettings.load(
            environment: ["HOST": "127.0.0.1", "PORT": "0", "PARLEY_METRICS_PORT": "\(metricsPort)"], dotEnvPath: nil,
            identityVariables: [])
        let app = try ParleyApplication.build(
            settings: settings, dependencies: .init(httpClient: .shared, logger: MetricsTests.quiet, metrics: ParleyMetrics()))
        try await app.test(.live) { client in
            try await client.execute(uri: "/healthz", method: .get) { #expect($0.status == .ok) }
            try await client.execute(uri: "/metrics", method: .get) { #expect($0.status == .notFound) }
            let probe = ParleyProcess(port: metricsPort)
            var page = ""
            for _ in 0..<50 where page.isEmpty {
                page = (try? await probe.text("/metrics")) ?? ""
                if page.isEmpty { try await Task.sleep(for: .milliseconds(50)) }
            }
            let parsed = try PrometheusText(parsing: page)
            #expect(parsed.value("parley_http_requests_total", ["route": "/healthz", "method": "GET", "status": "200"]) == 1)
            #expect(parsed.value("parley_http_requests_total", ["route": "unmatched", "method": "GET", "status": "404"]) == 1)
        }
    }
}

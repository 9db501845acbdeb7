import Foundation
import NIOHTTP1
import ParleyTestSupport
import Testing

@Suite("Page, status routes, headers and errors of the HTTP surface")
struct HTTPSurfaceTests {
    @Test func servesThePageWithSecurityHeadersAndRevalidation() async throws {
        try await ServerHarness.run { server in
            let page = try await server.request(.GET, "/", headers: [])
            #expect(page.status == 200)
            #expect(page.headers.first(name: "Content-Type")?.hasPrefix("text/html") == true)
            let csp = try #require(page.headers.first(name: "Content-Security-Policy"))
            #expect(csp.contains("script-src 'self'"))
            #expect(csp.contains("style-src 'self'"))
            #expect(csp.contains("connect-src 'self'"))
            #expect(page.headers.first(name: "X-Content-Type-Options") == "nosniff")
            #expect(page.headers.first(name: "Referrer-Policy") == "no-referrer")
            let etag = try #require(page.headers.first(name: "ETag"))
            let again = try await server.request(.GET, "/", headers: [("If-None-Match", etag)])
            #expect(again.status == 304)
        }
    }

    @Test func everyResponseCarriesSecurityHeaders() async throws {
        try await ServerHarness.run { server in
            for path in ["/healthz", "/config", "/nope", "/sessions/x"] {
                let reply = try await server.request(.GET, path, headers: [])
                #expect(reply.headers.first(name: "X-Content-Type-Options") == "nosniff", "\(path)")
                #expect(reply.headers.first(name: "Referrer-Policy") == "no-referrer", "\(path)")
            }
        }
    }

    @Test func unknownPathsAndWrongMethodsAnswerInJSON() async throws {
        try await ServerHarness.run { server in
            let missing = try await server.request(.GET, "/no/such/thing", headers: [])
            #expect(missing.status == 404)
            #expect(missing.errorCode == "not_found")
            let wrong = try await server.request(.GET, "/ask", headers: [])
            #expect(wrong.status == 405)
            #expect(wrong.errorCode == "method_not_allowed")
            #expect(wrong.headers.first(name: "Allow") == "POST")
            let put = try await server.request(.PUT, "/config", body: "{}")
            #expect(put.status == 405)
        }
    }

    @Test func configSaysNothingSecret() async throws {
        try await ServerHarness.run(fakeOptions: .init()) { server in
            let config = try await server.request(.GET, "/config", headers: [])
            #expect(config.json["mode"] as? String == "azure")
            #expect(config.json["deployments"] as? [String] == ["gpt-35-turbo", "gpt-4"])
            #expect(config.json["default_deployment"] as? String == "gpt-35-turbo")
            #expect(config.json["max_question_chars"] as? Int == 8000)
            #expect(!config.body.contains("127.0.0.1"))
            #expect(!config.body.contains(ServerHarness.apiKey))
        }
    }

    @Test func healthAndReadiness() async throws {
        try await ServerHarness.run(fakeOptions: .init()) { server in
            let health = try await server.request(.GET, "/healthz", headers: [])
            #expect(health.status == 200)
            #expect(health.json["status"] as? String == "ok")
            let ready = try await server.request(.GET, "/readyz", headers: [])
            #expect(ready.status == 200)
            #expect(ready.json["status"] as? String == "ready")
        }
    }
}

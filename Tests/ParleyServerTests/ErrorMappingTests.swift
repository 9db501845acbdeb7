import Foundation
import NIOHTTP1
import ParleyTestSupport
import Testing

@Suite("POST /ask: upstream errors map onto the contract")
struct ErrorMappingTests {
    struct Case: Sendable, CustomStringConvertible {
        let directive: String
        let status: Int
        let code: String
        let messageMentions: String?
        /// What the operator's log line (under the request id) explains that the client is not told.
        var logMentions: String? = nil
        var description: String { directive }
    }

    static let cases: [Case] = [
        Case(directive: "[[status:429]]", status: 429, code: "rate_limited", messageMentions: nil),
        Case(directive: "[[content_filter]]", status: 400, code: "content_filter", messageMentions: "jailbreak"),
        Case(directive: "[[filtered_stream]]", status: 400, code: "content_filter", messageMentions: "content filter"),
        Case(directive: "[[context_length]]", status: 400, code: "context_length_exceeded", messageMentions: nil),
        Case(directive: "[[status:401]]", status: 502, code: "permission_denied", messageMentions: "parley doctor",
             logMentions: "Cognitive Services OpenAI User"),
        Case(directive: "[[status:404]]", status: 502, code: "deployment_not_found", messageMentions: "parley doctor",
             logMentions: "gpt-35-turbo"),
        Case(directive: "[[status:403]]", status: 502, code: "upstream_refused", messageMentions: nil),
        Case(directive: "[[status:500]]", status: 502, code: "upstream_error", messageMentions: nil),
        Case(directive: "[[status:503]]", status: 502, code: "upstream_error", messageMentions: nil),
    ]

    @Test(arguments: cases)
    func mapsTheUpstreamError(_ testCase: Case) async throws {
        try await ServerHarness.run(fakeOptions: .init()) { server in
            let reply = try await server.ask("\(testCase.directive) hello")
            #expect(reply.status == testCase.status)
            #expect(reply.errorCode == testCase.code)
            #expect(reply.headers.first(name: "Content-Type")?.hasPrefix("application/json") == true)
            if let mention = testCase.messageMentions {
                #expect(reply.errorMessage?.localizedCaseInsensitiveContains(mention) == true, "\(reply.body)")
            }
            #expect(!reply.body.contains(ServerHarness.apiKey))
            // Every error body names the request id under which the log explains it.
            let requestID = try #require(reply.headers.first(name: "X-Request-Id"))
            #expect((reply.json["error"] as? [String: Any])?["request_id"] as? String == requestID)
            if let mention = testCase.logMentions {
                #expect(!reply.body.contains(mention), "the detail stays in the log: \(reply.body)")
                let explained = server.logs.lines(containing: requestID).contains { $0.contains(mention) }
                #expect(explained, "no log line under \(requestID) explains it: \(server.logs.lines(containing: "request failed"))")
            }
        }
    }

    @Test func rateLimitsCarryRetryAfter() async throws {
        try await ServerHarness.run(fakeOptions: .init()) { server in
            let reply = try await server.ask("[[status:429]] hi")
            #expect(reply.status == 429)
            #expect(Int(reply.headers.first(name: "Retry-After") ?? "") ?? 0 >= 1)
        }
    }

    @Test func transientFailuresAreRetriedWithinTheBudget() async throws {
        try await ServerHarness.run(environment: ["PARLEY_MAX_RETRIES": "2"], fakeOptions: .init(rateLimitRetryAfterMilliseconds: 50)) { server in
            let reply = try await server.ask("[[status:503:2]] retry me")
            #expect(reply.status == 200)
            #expect(await server.fake?.requests.count == 3)
        }
    }

    @Test func aStalledUpstreamTimesOutWith504() async throws {
        try await ServerHarness.run(environment: ["PARLEY_REQUEST_TIMEOUT": "1"], fakeOptions: .init()) { server in
            let reply = try await server.ask("[[hang]] hello")
            #expect(reply.status == 504)
            #expect(reply.errorCode == "upstream_timeout")
        }
    }

    @Test func anUnreachableUpstreamIs502() async throws {
        // A port nothing listens on: connection refused. AsyncHTTPClient keeps retrying the
        // connection until the request's deadline, so the deadline decides when Parley answers.
        let environment = [
            "OPENAI_API_BASE": "http://127.0.0.1:9", "OPENAI_API_KEY": ServerHarness.apiKey,
            "DEPLOYMENT_NAME": "gpt-35-turbo", "PARLEY_MAX_RETRIES": "0", "PARLEY_REQUEST_TIMEOUT": "2",
        ]
        try await ServerHarness.run(environment: environment) { server in
            let reply = try await server.ask("hello")
            #expect(reply.status == 502 || reply.status == 504)
            #expect(reply.errorCode == "upstream_error" || reply.errorCode == "upstream_timeout")
        }
    }
}

import AsyncHTTPClient
import Foundation
import NIOCore
import ParleyTestSupport
import Testing

/// The fake's own surface that other suites and processes rely on: control endpoints, plain JSON
/// answers, directive counters.
@Suite struct FakeAzureOpenAITests {
    private func post(_ fake: FakeAzureOpenAI, _ http: HTTPClient, path: String, body: String,
                      headers: [(String, String)] = [("api-key", "k")]) async throws -> (status: UInt, headers: [String: String], body: String) {
        var request = HTTPClientRequest(url: fake.endpoint + path)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        request.body = .bytes(ByteBuffer(string: body))
        let response = try await http.execute(request, timeout: .seconds(10))
        let text = String(buffer: try await response.body.collect(upTo: 1 << 20))
        var fields: [String: String] = [:]
        for header in response.headers { fields[header.name.lowercased()] = header.value }
        return (response.status.code, fields, text)
    }

    @Test func controlEndpointsListAndClearRequests() async throws {
        try await Harness.with { harness in
            _ = await harness.collect("remember me")
            let list = try await harness.httpClient.execute(HTTPClientRequest(url: harness.fake.endpoint + "/_fake/requests"), timeout: .seconds(5))
            #expect(list.status.code == 200)
            let json = try #require(try JSONSerialization.jsonObject(with: Data(buffer: try await list.body.collect(upTo: 1 << 20))) as? [[String: Any]])
            #expect(json.count == 1)
            #expect(json.first?["path"] as? String == "/openai/deployments/gpt-4/chat/completions")
            #expect(json.first?["stream_options_sent"] as? Bool == true)
            #expect(json.first?["auth_kind"] as? String == "api-key")
            #expect((json.first?["messages"] as? [[String: String]])?.last?["content"] == "remember me")

            var delete = HTTPClientRequest(url: harness.fake.endpoint + "/_fake/requests")
            delete.method = .DELETE
            #expect(try await harness.httpClient.execute(delete, timeout: .seconds(5)).status.code == 204)
            #expect(await harness.fake.requests.isEmpty)
        }
    }

    @Test func nonStreamingRequestGetsAChatCompletionObject() async throws {
        try await Harness.with { harness in
            let answer = try await post(harness.fake, harness.httpClient,
                                        path: "/openai/deployments/gpt-35-turbo/chat/completions?api-version=2024-06-01",
                                        body: #"{"messages":[{"role":"user","content":"plain"}]}"#)
            #expect(answer.status == 200)
            #expect(answer.headers["apim-request-id"] != nil)
            let object = try #require(try JSONSerialization.jsonObject(with: Data(answer.body.utf8)) as? [String: Any])
            #expect(object["object"] as? String == "chat.completion")
            let message = ((object["choices"] as? [[String: Any]])?.first?["message"] as? [String: Any])
            #expect(message?["content"] as? String == "Echo: plain")
        }
    }

    @Test func rateLimitAnswerCarriesBothRetryHeadersByDefault() async throws {
        try await Harness.with(fake: .init()) { harness in
            let answer = try await post(harness.fake, harness.httpClient,
                                        path: "/openai/deployments/gpt-4/chat/completions?api-version=2024-10-21",
                                        body: #"{"messages":[{"role":"user","content":"[[status:429]]"}],"stream":true}"#)
            #expect(answer.status == 429)
            #expect(answer.headers["retry-after"] == "1")
            #expect(answer.headers["retry-after-ms"] == "1000")
            #expect(answer.body.contains(#""code":"429""#))
        }
    }

    @Test func failureCountsArePerMessageText() async throws {
        try await Harness.with { harness in
            let path = "/openai/deployments/gpt-4/chat/completions?api-version=2024-10-21"
            func ask(_ text: String) async throws -> UInt {
                try await post(harness.fake, harness.httpClient, path: path,
                               body: #"{"messages":[{"role":"user","content":"\#(text)"}]}"#).status
            }
            var statuses: [UInt] = []
            for text in ["[[status:503:1]] a", "[[status:503:1]] b", "[[status:503:1]] a", "[[status:503:1]] b"] {
                statuses.append(try await ask(text))
            }
            #expect(statuses == [503, 503, 200, 200])
        }
    }

    @Test func missingKeyAndMissingAPIVersionAreRefusedLikeAzure() async throws {
        try await Harness.with(fake: .init(apiKey: "k")) { harness in
            let noKey = try await post(harness.fake, harness.httpClient,
                                       path: "/openai/deployments/gpt-4/chat/completions?api-version=2024-10-21",
                                       body: #"{"messages":[{"role":"user","content":"x"}]}"#, headers: [])
            #expect(noKey.status == 401)
            #expect(noKey.body.contains("invalid subscription key"))
            let noVersion = try await post(harness.fake, harness.httpClient,
                                           path: "/openai/deployments/gpt-4/chat/completions",
                                           body: #"{"messages":[{"role":"user","content":"x"}]}"#)
            #expect(noVersion.status == 404)
            #expect(noVersion.body.contains("Resource not found"))
            #expect(await harness.fake.requests.map(\.status) == [401, 404])
        }
    }

    @Test func hangSendsOnlyTheFirstEventAndRecordsTheDeparture() async throws {
        try await Harness.with { harness in
            var request = HTTPClientRequest(url: harness.fake.endpoint + "/openai/v1/chat/completions")
            request.method = .POST
            request.body = .bytes(ByteBuffer(string: #"{"model":"gpt-4","stream":true,"messages":[{"role":"user","content":"[[hang]]"}]}"#))
            let response = try await harness.httpClient.execute(request, timeout: .seconds(5))
            #expect(response.status.code == 200)
            #expect(response.headers.first(name: "content-type")?.hasPrefix("text/event-stream") == true)
            var iterator = response.body.makeAsyncIterator()
            let first = try #require(try await iterator.next())
            #expect(String(buffer: first).contains("prompt_filter_results"))
        }
        // The harness shut the client down; the fake saw it go (checked in CancellationAndTimeoutTests
        // through the client, here only that nothing else was sent).
    }
}

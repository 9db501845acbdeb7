import Foundation
import ParleyAzureOpenAI
import ParleyTestSupport
import Testing
@testable import ParleyAzureOpenAI

@Suite struct RequestShapeTests {
    @Test(arguments: [
        ("2024-10-21", true), ("2025-01-01", true), ("2024-09-01-preview", true), ("2024-10-01-preview", true),
        ("2025-04-01-preview", true), ("v1", true), ("V1", true),
        ("2023-08-01-preview", false), ("2024-02-01", false), ("2024-06-01", false), ("2023-05-15", false),
        ("2024-08-01-preview", false), ("2024-10-20", false), ("nonsense", false), ("", false),
    ])
    func streamOptionsOnlyWhereTheAPIVersionKnowsThem(version: String, expected: Bool) {
        #expect(ChatCompletionRoute.supportsStreamOptions(apiVersion: version) == expected)
    }

    @Test func classicRouteCarriesDeploymentAndAPIVersionAndStreamOptions() async throws {
        try await Harness.with(configure: { $0.endpoint += "/" }) { harness in
            let result = await harness.collect("hello there", deployment: "gpt-4", temperature: 0.3)
            #expect(result.error == nil)
            let request = try #require(await harness.fake.requests.first)
            #expect(request.method == "POST")
            #expect(request.path == "/openai/deployments/gpt-4/chat/completions")
            #expect(request.query == "api-version=2024-10-21")
            #expect(request.deployment == "gpt-4")
            #expect(request.model == nil)
            #expect(request.stream == true)
            #expect(request.streamOptionsSent && request.includeUsage == true)
            #expect(request.temperature == 0.3)
            #expect(request.messages == [FakeAzureOpenAI.Message(role: "user", content: "hello there")])
            #expect(request.authKind == .apiKey && request.apiKey == "test-key")
            #expect(request.clientRequestID?.isEmpty == false)
        }
    }

    @Test func v1RoutePutsTheDeploymentIntoModel() async throws {
        try await Harness.with(configure: { $0.apiVersion = "v1" }) { harness in
            let result = await harness.collect("hi", deployment: "gpt-35-turbo")
            #expect(result.text == "Echo: hi")
            let request = try #require(await harness.fake.requests.first)
            #expect(request.path == "/openai/v1/chat/completions")
            #expect(request.query == nil)
            #expect(request.model == "gpt-35-turbo")
            #expect(request.deployment == "gpt-35-turbo")
            #expect(request.streamOptionsSent)
            #expect(request.temperature == nil)
        }
    }

    @Test(arguments: ["2023-08-01-preview", "2024-02-01", "2024-06-01"])
    func olderAPIVersionsGetNoStreamOptions(version: String) async throws {
        // The fake answers 400 "Unrecognized request argument supplied: stream_options" like Azure
        // would, so a regression fails the call, not only the assertion on the record.
        try await Harness.with(configure: { $0.apiVersion = version }) { harness in
            let result = await harness.collect("hi")
            #expect(result.error == nil)
            #expect(result.text == "Echo: hi")
            #expect(result.usage == nil)
            #expect(result.finishReasons == ["stop"])
            let request = try #require(await harness.fake.requests.first)
            #expect(request.query == "api-version=\(version)")
            #expect(!request.streamOptionsSent)
        }
    }

    @Test func deploymentIsOnePercentEncodedPathSegment() async throws {
        let odd = "my dep/ü?#"
        try await Harness.with(fake: .init(deployments: [odd], chunkDelay: .zero)) { harness in
            let result = await harness.collect("hi", deployment: odd)
            #expect(result.error == nil)
            let request = try #require(await harness.fake.requests.first)
            #expect(request.path == "/openai/deployments/my%20dep%2F%C3%BC%3F%23/chat/completions")
            #expect(request.deployment == odd)
        }
    }

    @Test func historyAndSystemPromptAreSentInOrder() async throws {
        try await Harness.with { harness in
            let history = [ChatCompletionMessage(role: "system", content: "Be brief."),
                           ChatCompletionMessage(role: "user", content: "first"),
                           ChatCompletionMessage(role: "assistant", content: "Echo: first")]
            let result = await harness.collect("second", history: history)
            #expect(result.text == "Echo: second | earlier: first")
            let request = try #require(await harness.fake.requests.first)
            #expect(request.messages.map(\.role) == ["system", "user", "assistant", "user"])
            #expect(request.messages.map(\.content) == ["Be brief.", "first", "Echo: first", "second"])
        }
    }

    @Test func bodyIsValidJSONWithOnlyTheExpectedMembers() throws {
        let route = ChatCompletionRoute(configuration: .init(endpoint: "https://x.openai.azure.com", apiVersion: "v1"))
        let data = try route.body(for: .init(deployment: "d", messages: [.init(role: "user", content: "q")]))
        let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect(Set(object.keys) == ["model", "messages", "stream", "stream_options"])
        #expect(object["model"] as? String == "d")
        #expect((object["stream_options"] as? [String: Bool]) == ["include_usage": true])
    }
}

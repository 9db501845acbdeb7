import ParleyAzureOpenAI
import ParleyChat

/// Adapts the Azure OpenAI client to the chat library's `ChatModel`: events go from the client's
/// stream parser straight to the chat layer's callback, with the whole-request timeout enforced
/// even on a stream that goes silent mid-answer.
struct AzureChatModel: ChatModel {
    let client: AzureOpenAIClient
    let temperature: Double?

    func answer(
        _ messages: [ChatMessage], deployment: String,
        onEvent: @escaping @Sendable (ChatModelEvent) async throws -> Void
    ) async throws {
        let request = ChatCompletionRequest(
            deployment: deployment,
            messages: messages.map { ChatCompletionMessage(role: $0.role.rawValue, content: $0.content) },
            temperature: temperature)
        try await client.streamChatCompletionWithinDeadline(request) { event in
            switch event {
            case .delta(let text):
                try await onEvent(.delta(text))
            case .usage(let usage):
                try await onEvent(.usage(ChatUsage(
                    promptTokens: usage.promptTokens, completionTokens: usage.completionTokens, totalTokens: usage.totalTokens)))
            case .finished(let reason):
                try await onEvent(.finished(reason: reason))
            }
        }
    }
}

import ParleyAzureOpenAI
import ParleyChat

/// Adapts the Azure OpenAI client (one endpoint) or a backend pool (several, issue 15) to the chat
/// library's `ChatModel`: events go from the client's stream parser straight to the chat layer's
/// callback, with the whole-request timeout enforced even on a stream that goes silent mid-answer.
struct AzureChatModel: ChatModel {
    typealias Stream = @Sendable (
        ChatCompletionRequest, _ onEvent: @escaping @Sendable (ChatCompletionEvent) async throws -> Void
    ) async throws -> Void

    let stream: Stream
    let temperature: Double?

    init(client: AzureOpenAIClient, temperature: Double?) {
        stream = { request, onEvent in try await client.streamChatCompletionWithinDeadline(request, onEvent: onEvent) }
        self.temperature = temperature
    }

    init(pool: BackendPool, temperature: Double?) {
        stream = { request, onEvent in try await pool.streamChatCompletion(request, onEvent: onEvent) }
        self.temperature = temperature
    }

    func answer(
        _ messages: [ChatMessage], deployment: String,
        onEvent: @escaping @Sendable (ChatModelEvent) async throws -> Void
    ) async throws {
        let request = ChatCompletionRequest(
            deployment: deployment,
            messages: messages.map { ChatCompletionMessage(role: $0.role.rawValue, content: $0.content) },
            temperature: temperature)
        try await stream(request) { event in
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

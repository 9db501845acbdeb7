import ParleyAzureOpenAI
import ParleyChat

/// Adapts the Azure OpenAI client to the chat library's `ChatModel`.
struct AzureChatModel: ChatModel {
    let client: AzureOpenAIClient
    let temperature: Double?

    func streamAnswer(to messages: [ChatMessage], deployment: String) -> AsyncThrowingStream<ChatModelEvent, any Error> {
        let request = ChatCompletionRequest(
            deployment: deployment,
            messages: messages.map { ChatCompletionMessage(role: $0.role.rawValue, content: $0.content) },
            temperature: temperature)
        let upstream = client.streamChatCompletion(request)
        return AsyncThrowingStream { continuation in
            let task = Task {
                do {
                    for try await event in upstream {
                        switch event {
                        case .delta(let text):
                            continuation.yield(.delta(text))
                        case .usage(let usage):
                            continuation.yield(
                                .usage(ChatUsage(
                                    promptTokens: usage.promptTokens, completionTokens: usage.completionTokens,
                                    totalTokens: usage.totalTokens)))
                        case .finished(let reason):
                            continuation.yield(.finished(reason: reason))
                        }
                    }
                    continuation.finish()
                } catch {
                    continuation.finish(throwing: error)
                }
            }
            continuation.onTermination = { _ in task.cancel() }
        }
    }
}

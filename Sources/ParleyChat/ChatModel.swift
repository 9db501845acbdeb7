/// Something that answers a conversation: Azure OpenAI (adapted by the composition root) or the
/// built-in offline responder.
public protocol ChatModel: Sendable {
    /// Streams the answer to `messages`. Cancelling the consuming task must stop the work.
    func streamAnswer(to messages: [ChatMessage], deployment: String) -> AsyncThrowingStream<ChatModelEvent, any Error>
}

public enum ChatModelEvent: Sendable, Equatable {
    case delta(String)
    case usage(ChatUsage)
    case finished(reason: String)
}

/// Token counts of one answer.
public struct ChatUsage: Sendable, Equatable, Codable {
    public var promptTokens: Int
    public var completionTokens: Int
    public var totalTokens: Int

    public init(promptTokens: Int, completionTokens: Int, totalTokens: Int) {
        self.promptTokens = promptTokens
        self.completionTokens = completionTokens
        self.totalTokens = totalTokens
    }

    enum CodingKeys: String, CodingKey {
        case promptTokens = "prompt_tokens"
        case completionTokens = "completion_tokens"
        case totalTokens = "total_tokens"
    }
}

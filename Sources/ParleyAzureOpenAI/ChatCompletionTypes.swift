/// One message of a chat-completions request.
public struct ChatCompletionMessage: Sendable, Equatable, Codable {
    public var role: String
    public var content: String

    public init(role: String, content: String) {
        self.role = role
        self.content = content
    }
}

/// What Parley asks of a deployment.
public struct ChatCompletionRequest: Sendable, Equatable {
    public var deployment: String
    public var messages: [ChatCompletionMessage]
    public var temperature: Double?

    public init(deployment: String, messages: [ChatCompletionMessage], temperature: Double? = nil) {
        self.deployment = deployment
        self.messages = messages
        self.temperature = temperature
    }
}

/// Token counts reported by Azure OpenAI (`usage`).
public struct TokenUsage: Sendable, Equatable, Codable {
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

/// What the streaming client yields, in order: any number of `.delta`, at most one `.usage` (Azure sends
/// it after the text), and at most one `.finished`, always last: it is held back until the stream ends,
/// so a `content_filter` verdict that the asynchronous filter sends after `stop` still wins.
public enum ChatCompletionEvent: Sendable, Equatable {
    /// A non-empty piece of the answer's text.
    case delta(String)
    /// Token usage (only where the api-version supports `stream_options.include_usage`).
    case usage(TokenUsage)
    /// The choice's `finish_reason` ("stop", "length", "content_filter", …).
    case finished(reason: String)
}

/// Something that answers a conversation: Azure OpenAI (adapted by the composition root) or the
/// built-in offline responder.
public protocol ChatModel: Sendable {
    /// Answers `messages`, handing each event to `onEvent` as it arrives; returns when the answer
    /// is complete. An error thrown by `onEvent` ends the answer (and its upstream request) and is
    /// rethrown; so is cancelling the calling task. Events are never relayed through another task
    /// or stream per event: one answer's events cost one hop from the upstream body to the caller.
    func answer(
        _ messages: [ChatMessage], deployment: String,
        onEvent: @escaping @Sendable (ChatModelEvent) async throws -> Void
    ) async throws

    /// The same, knowing the numbered passages already in `messages` (nil: no documents configured).
    /// A model reads them from the prompt and need not implement this; the offline responder has no
    /// model to read them and answers from them directly.
    func answer(
        _ messages: [ChatMessage], citations: [Citation]?, deployment: String,
        onEvent: @escaping @Sendable (ChatModelEvent) async throws -> Void
    ) async throws
}

extension ChatModel {
    public func answer(
        _ messages: [ChatMessage], citations: [Citation]?, deployment: String,
        onEvent: @escaping @Sendable (ChatModelEvent) async throws -> Void
    ) async throws {
        try await answer(messages, deployment: deployment, onEvent: onEvent)
    }
}

/// Thrown by the chat layer's event callback to end an answer on purpose (the caller left, or the
/// answer reached its length limit). Models pass it through; it is not the model's failure.
public struct ChatModelStop: Error, Sendable {
    enum Reason: Sendable {
        case callerGone(any Error)
        case lengthLimit
    }

    let reason: Reason
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

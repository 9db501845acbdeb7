/// Chooses what the model sees: the system prompt, the newest whole turns that fit the history
/// budget, and the question. Oldest turns drop first; the system prompt and the question always go.
public struct PromptBuilder: Sendable {
    public var systemPrompt: String
    /// PARLEY_HISTORY_TOKENS: the estimated tokens that earlier turns may use.
    public var historyTokenBudget: Int

    public init(systemPrompt: String, historyTokenBudget: Int) {
        self.systemPrompt = systemPrompt
        self.historyTokenBudget = historyTokenBudget
    }

    public func messages(history: [ChatTurn], question: String) -> [ChatMessage] {
        var kept: [ChatTurn] = []
        var used = 0
        for turn in history.reversed() {
            let cost = turn.messages.reduce(0) { $0 + Self.estimatedTokens($1) }
            guard used + cost <= historyTokenBudget else { break }
            used += cost
            kept.append(turn)
        }
        var messages: [ChatMessage] = []
        if !systemPrompt.isEmpty {
            messages.append(ChatMessage(role: .system, content: systemPrompt))
        }
        messages += kept.reversed().flatMap(\.messages)
        messages.append(ChatMessage(role: .user, content: question))
        return messages
    }

    /// Without a tokenizer: about four characters a token plus three for the message's framing.
    /// This is LangChain's `count_tokens_approximately` (langchain-core 2025), good enough to keep
    /// well under a context window; the exact count comes back in `usage.prompt_tokens`.
    public static func estimatedTokens(_ message: ChatMessage) -> Int {
        (message.content.count + 3) / 4 + 3
    }
}

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

    /// - Parameter citations: the numbered passages of the team's documents for this question; nil
    ///   when no documents are configured (the prompt is then exactly as without issue 14).
    public func messages(history: [ChatTurn], question: String, citations: [Citation]? = nil) -> [ChatMessage] {
        var kept: [ChatTurn] = []
        var used = 0
        for turn in history.reversed() {
            let cost = turn.messages.reduce(0) { $0 + Self.estimatedTokens($1) }
            guard used + cost <= historyTokenBudget else { break }
            used += cost
            kept.append(turn)
        }
        var messages: [ChatMessage] = []
        let system = citations.map { Self.grounded(systemPrompt, with: $0) } ?? systemPrompt
        if !system.isEmpty {
            messages.append(ChatMessage(role: .system, content: system))
        }
        messages += kept.reversed().flatMap(\.messages)
        messages.append(ChatMessage(role: .user, content: question))
        return messages
    }

    /// The system prompt with the citation rules and the numbered passages after it. The passages sit
    /// in the system message, as Azure OpenAI "on your data" places its retrieved documents, so the
    /// history budget and the order of the turns stay as they were.
    static func grounded(_ systemPrompt: String, with citations: [Citation]) -> String {
        var text = systemPrompt.isEmpty ? "" : systemPrompt + "\n\n"
        guard !citations.isEmpty else {
            text += Self.noPassagesRule
            return text
        }
        text += Self.citationRule + "\n\nDocuments:"
        for citation in citations {
            text += "\n\n[\(citation.n)] \(citation.source) (\(citation.passage.path))\n\(citation.passage.text)"
        }
        return text
    }

    static let citationRule = """
        Answer from the numbered documents below when they contain the answer, and cite each statement \
        taken from them with its number in square brackets, e.g. [1] or [2][3]. Cite only numbers that \
        appear below. If the documents do not contain the answer, say so plainly before answering from \
        general knowledge, and do not cite anything.
        """

    static let noPassagesRule = """
        No passage of the team's documents matched this question. Say so plainly if you answer from \
        general knowledge, and do not cite any document.
        """

    /// Without a tokenizer: about four characters a token plus three for the message's framing.
    /// This is LangChain's `count_tokens_approximately` (langchain-core 2025), good enough to keep
    /// well under a context window; the exact count comes back in `usage.prompt_tokens`.
    public static func estimatedTokens(_ message: ChatMessage) -> Int {
        (message.content.count + 3) / 4 + 3
    }
}

/// Answers when no Azure OpenAI endpoint is configured. It says plainly that no model is behind
/// it and how to configure one, and shows that memory works by recalling the previous question.
/// It never pretends to be a model. With documents configured (issue 14) it answers from them
/// instead: the best passages, quoted, with their `[n]` citations (`ExtractiveAnswer`).
public struct OfflineResponder: ChatModel {
    /// Pause between words, so the page shows streaming as it will with a model.
    private let wordDelay: Duration

    public init(wordDelay: Duration = .milliseconds(10)) {
        self.wordDelay = wordDelay
    }

    public func answer(
        _ messages: [ChatMessage], deployment: String,
        onEvent: @escaping @Sendable (ChatModelEvent) async throws -> Void
    ) async throws {
        try await answer(messages, citations: nil, deployment: deployment, onEvent: onEvent)
    }

    public func answer(
        _ messages: [ChatMessage], citations: [Citation]?, deployment: String,
        onEvent: @escaping @Sendable (ChatModelEvent) async throws -> Void
    ) async throws {
        let reply: String
        if let citations {
            let question = messages.last { $0.role == .user }?.content ?? ""
            reply = ExtractiveAnswer.text(question: question, citations: citations)
        } else {
            reply = Self.reply(to: messages)
        }
        try await say(reply, onEvent: onEvent)
    }

    private func say(_ reply: String, onEvent: @escaping @Sendable (ChatModelEvent) async throws -> Void) async throws {
        for word in Self.words(of: reply) {
            if wordDelay > .zero { try await Task.sleep(for: wordDelay) }
            try await onEvent(.delta(word))
        }
        try await onEvent(.finished(reason: "stop"))
    }

    static func reply(to messages: [ChatMessage]) -> String {
        let questions = messages.filter { $0.role == .user }.map(\.content)
        var text = """
            Parley is running in **offline mode**: no Azure OpenAI endpoint is configured, so this \
            reply comes from Parley itself, not from a model.

            To connect a model, set `OPENAI_API_BASE` (your resource's endpoint, e.g. \
            `https://my-resource.openai.azure.com/`) and `DEPLOYMENT_NAME` in the environment or in a \
            `.env` file, sign in with `az login` (or set `OPENAI_API_KEY`), and restart Parley. \
            `parley doctor` checks the setup.
            """
        if let question = questions.last {
            text += "\n\nYou asked: “\(question)”."
        }
        if questions.count >= 2 {
            text += " Memory works: before that you asked “\(questions[questions.count - 2])”."
        } else {
            text += " Ask another question to see that this conversation is remembered."
        }
        return text
    }

    /// Splits into words, keeping each word's following whitespace so the pieces join back exactly.
    static func words(of text: String) -> [String] {
        var pieces: [String] = []
        var current = ""
        for character in text {
            if character.isWhitespace {
                current.append(character)
            } else {
                if let last = current.last, last.isWhitespace {
                    pieces.append(current)
                    current = ""
                }
                current.append(character)
            }
        }
        if !current.isEmpty { pieces.append(current) }
        return pieces
    }
}

/// Who said a message.
public enum ChatRole: String, Sendable, Codable {
    case system, user, assistant
}

/// One message as the model sees it.
public struct ChatMessage: Sendable, Equatable, Codable {
    public var role: ChatRole
    public var content: String

    public init(role: ChatRole, content: String) {
        self.role = role
        self.content = content
    }
}

/// A question and the answer the model gave: the unit of memory. Only answered questions become turns.
public struct ChatTurn: Sendable, Equatable, Codable {
    public var question: String
    public var answer: String
    /// The passages the answer was given to cite (issue 14), so a restored conversation keeps its
    /// source links. nil without documents, and in turns stored before this field existed (the
    /// key is then absent, which decodes as nil).
    public var citations: [CitedPassage]?

    public init(question: String, answer: String, citations: [CitedPassage]? = nil) {
        self.question = question
        self.answer = answer
        self.citations = citations
    }

    /// The turn as the two messages it stands for.
    public var messages: [ChatMessage] {
        [ChatMessage(role: .user, content: question), ChatMessage(role: .assistant, content: answer)]
    }
}

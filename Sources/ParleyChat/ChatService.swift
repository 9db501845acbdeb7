import Foundation
import Logging

/// Answers one question within a session: opens the session (one question at a time), builds the
/// prompt from its memory, streams the model's answer to the caller, and records the turn.
///
/// Memory rules: a turn is recorded only when the model answered. When the caller goes away
/// mid-answer (a stopped stream), the question and the part of the answer already delivered are
/// kept. When the model fails, history is unchanged.
public struct ChatService: Sendable {
    let store: any SessionStore
    let model: any ChatModel
    let prompt: PromptBuilder
    let logger: Logger
    /// An answer is cut here: the model's stream is stopped and the answer ends normally with
    /// `finish_reason` "length", so one endless answer cannot grow without bound in memory.
    let maxAnswerChars: Int
    /// The team's documents (issue 14); nil when none are configured.
    let grounding: DocumentGrounding?

    public init(
        store: any SessionStore, model: any ChatModel, prompt: PromptBuilder, logger: Logger, maxAnswerChars: Int = 100_000,
        grounding: DocumentGrounding? = nil
    ) {
        self.store = store
        self.model = model
        self.prompt = prompt
        self.logger = logger
        self.maxAnswerChars = max(1, maxAnswerChars)
        self.grounding = grounding
    }

    /// Opens the session for the question. Throws `SessionStoreError.busy` when one is in flight,
    /// so the HTTP layer can answer 409 before it commits to a status.
    /// `owner` is the signed-in user's object id (nil when anonymous); a new session is titled
    /// after the question. `onUsage` hears the model's token counts once the answer ends (also a
    /// stopped one, when the model reported them), for the daily token budget.
    public func open(
        _ question: String, in requested: SessionID?, owner: String? = nil, deployment: String,
        onUsage: (@Sendable (ChatUsage) async -> Void)? = nil
    ) async throws -> PendingAnswer {
        let opened = try await store.beginQuestion(
            in: requested, owner: owner, title: SessionSummary.title(from: question))
        return PendingAnswer(service: self, opened: opened, question: question, deployment: deployment, onUsage: onUsage)
    }

    /// Opens and answers in one step.
    public func answer(
        _ question: String,
        in requested: SessionID?,
        deployment: String,
        onDelta: @escaping @Sendable (String) async throws -> Void = { _ in },
        onCitations: @escaping @Sendable ([Citation]) async throws -> Void = { _ in }
    ) async throws -> ChatAnswer {
        try await open(question, in: requested, deployment: deployment).run(onDelta: onDelta, onCitations: onCitations)
    }

    /// Ends the question outside the (possibly cancelled) caller's task, so a shared store still
    /// gets the write; a failure here is logged, since the caller already has an error to report.
    func release(_ lease: QuestionLease, recording turn: ChatTurn?) async {
        let store = self.store
        let result = await Task { try await store.finishQuestion(lease, recording: turn) }.result
        if case .failure(let error) = result {
            logger.error("could not end the question in its session", metadata: ["error": "\(error)"])
        }
    }
}

/// A finished answer.
public struct ChatAnswer: Sendable, Equatable {
    public var sessionID: SessionID
    public var text: String
    public var usage: ChatUsage?
    /// The model's reason ("stop", "length", "content_filter"), "length" also when Parley cut the
    /// answer at its own limit; nil when the model gave none.
    public var finishReason: String?
    /// The numbered passages the answer was given (its `[n]` refer to them); nil when no documents are
    /// configured, empty when none matched or the retriever failed.
    public var citations: [Citation]?

    public init(sessionID: SessionID, text: String, usage: ChatUsage? = nil, finishReason: String? = nil, citations: [Citation]? = nil) {
        self.sessionID = sessionID
        self.text = text
        self.usage = usage
        self.finishReason = finishReason
        self.citations = citations
    }
}

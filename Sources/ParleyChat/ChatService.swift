import Foundation
import Logging

/// Answers one question within a session: opens the session (one question at a time), builds the
/// prompt from its memory, streams the model's answer to the caller, and records the turn.
///
/// Memory rules: a turn is recorded only when the model answered. When the caller goes away
/// mid-answer (a stopped stream), the question and the part of the answer already delivered are
/// kept. When the model fails, history is unchanged.
public struct ChatService: Sendable {
    private let store: any SessionStore
    private let model: any ChatModel
    private let prompt: PromptBuilder
    private let logger: Logger

    public init(store: any SessionStore, model: any ChatModel, prompt: PromptBuilder, logger: Logger) {
        self.store = store
        self.model = model
        self.prompt = prompt
        self.logger = logger
    }

    /// - Parameters:
    ///   - onStart: called once the session is open, before the model is asked.
    ///   - onDelta: called with each piece of text; throwing from it means the caller is gone.
    public func answer(
        _ question: String,
        in requested: SessionID?,
        deployment: String,
        onStart: @Sendable (SessionID) async throws -> Void = { _ in },
        onDelta: @Sendable (String) async throws -> Void = { _ in }
    ) async throws -> ChatAnswer {
        let opened = try await store.beginQuestion(in: requested)
        var delivered = ""
        do {
            try await onStart(opened.id)
            let messages = prompt.messages(history: opened.turns, question: question)
            var usage: ChatUsage?
            var finishReason: String?
            for try await event in model.streamAnswer(to: messages, deployment: deployment) {
                switch event {
                case .delta(let text):
                    do {
                        try await onDelta(text)
                    } catch {
                        throw CallerGone(underlying: error)
                    }
                    delivered += text
                case .usage(let reported):
                    usage = reported
                case .finished(let reason):
                    finishReason = reason
                }
            }
            // A cancelled consumer ends the model's stream early without an error.
            try Task.checkCancellation()
            if finishReason == "content_filter" {
                throw ChatError.answerFiltered
            }
            try await store.finishQuestion(opened.lease, recording: ChatTurn(question: question, answer: delivered))
            return ChatAnswer(sessionID: opened.id, text: delivered, usage: usage, finishReason: finishReason)
        } catch {
            let callerStopped = error is CallerGone || error is CancellationError || Task.isCancelled
            let turn = callerStopped && !delivered.isEmpty ? ChatTurn(question: question, answer: delivered) : nil
            await release(opened.lease, recording: turn)
            if let gone = error as? CallerGone { throw gone.underlying }
            throw error
        }
    }

    /// Ends the question outside the (possibly cancelled) caller's task, so a shared store still
    /// gets the write; a failure here is logged, since the caller already has an error to report.
    private func release(_ lease: QuestionLease, recording turn: ChatTurn?) async {
        let store = self.store
        let result = await Task { try await store.finishQuestion(lease, recording: turn) }.result
        if case .failure(let error) = result {
            logger.error("could not end the question in its session", metadata: ["error": "\(error)"])
        }
    }

    private struct CallerGone: Error {
        let underlying: any Error
    }
}

/// A finished answer.
public struct ChatAnswer: Sendable, Equatable {
    public var sessionID: SessionID
    public var text: String
    public var usage: ChatUsage?
    public var finishReason: String?
}

import Foundation

/// A question whose session is open and leased, waiting to be answered. `run` answers it once.
/// If it is dropped without running (the client vanished before the answer started), the lease is
/// released, so the session never stays busy.
public final class PendingAnswer: Sendable {
    public let sessionID: SessionID
    public let deployment: String
    private let service: ChatService
    private let opened: OpenedSession
    private let question: String
    private let started = LockedFlag()

    init(service: ChatService, opened: OpenedSession, question: String, deployment: String) {
        self.service = service
        self.opened = opened
        self.question = question
        self.deployment = deployment
        sessionID = opened.id
    }

    deinit {
        guard started.set() else { return }
        let service = self.service
        let lease = opened.lease
        Task { await service.release(lease, recording: nil) }
    }

    /// Streams the answer through `onDelta` (throwing from it means the caller is gone) and records the turn.
    public func run(onDelta: @Sendable (String) async throws -> Void = { _ in }) async throws -> ChatAnswer {
        precondition(started.set(), "a pending answer runs once")
        var delivered = ""
        do {
            let messages = service.prompt.messages(history: opened.turns, question: question)
            var usage: ChatUsage?
            var finishReason: String?
            var deliveredChars = 0
            answering: for try await event in service.model.streamAnswer(to: messages, deployment: deployment) {
                switch event {
                case .delta(var text):
                    let room = service.maxAnswerChars - deliveredChars
                    let overflows = text.count > room
                    if overflows { text = String(text.prefix(room)) }
                    if !text.isEmpty {
                        do {
                            try await onDelta(text)
                        } catch {
                            throw CallerGone(underlying: error)
                        }
                        delivered += text
                        deliveredChars += text.count
                    }
                    if overflows {
                        // Leaving the loop ends the model's stream, which cancels the upstream request.
                        finishReason = "length"
                        break answering
                    }
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
            try await service.store.finishQuestion(opened.lease, recording: ChatTurn(question: question, answer: delivered))
            return ChatAnswer(sessionID: sessionID, text: delivered, usage: usage, finishReason: finishReason)
        } catch {
            let callerStopped = error is CallerGone || error is CancellationError || Task.isCancelled
            let turn = callerStopped && !delivered.isEmpty ? ChatTurn(question: question, answer: delivered) : nil
            await service.release(opened.lease, recording: turn)
            if let gone = error as? CallerGone { throw gone.underlying }
            throw error
        }
    }

    private struct CallerGone: Error {
        let underlying: any Error
    }
}

/// A flag that can be set once, from any thread.
final class LockedFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var value = false

    /// Sets the flag; returns true if it was not set before.
    func set() -> Bool {
        lock.withLock {
            defer { value = true }
            return !value
        }
    }
}

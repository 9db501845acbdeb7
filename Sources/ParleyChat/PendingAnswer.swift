import Foundation
import Synchronization

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
    private let onUsage: (@Sendable (ChatUsage) async -> Void)?

    init(
        service: ChatService, opened: OpenedSession, question: String, deployment: String,
        onUsage: (@Sendable (ChatUsage) async -> Void)? = nil
    ) {
        self.onUsage = onUsage
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
    /// With documents configured, `onCitations` gets the numbered passages first, before any delta
    /// (also when the list is empty); without documents it is never called.
    public func run(
        onDelta: @escaping @Sendable (String) async throws -> Void = { _ in },
        onCitations: @escaping @Sendable ([Citation]) async throws -> Void = { _ in }
    ) async throws -> ChatAnswer {
        precondition(started.set(), "a pending answer runs once")
        let progress = AnswerProgress(limit: service.maxAnswerChars)
        var citations: [Citation]?
        do {
            if let grounding = service.grounding {
                let found = await grounding.citations(for: question, history: opened.turns, logger: service.logger)
                try Task.checkCancellation()
                citations = found
                try await onCitations(found)
            }
            let messages = service.prompt.messages(history: opened.turns, question: question, citations: citations)
            do {
                try await service.model.answer(messages, citations: citations, deployment: deployment) { event in
                    switch event {
                    case .delta(let text):
                        let (deliver, cut) = progress.admit(text)
                        if !deliver.isEmpty {
                            do {
                                try await onDelta(deliver)
                            } catch {
                                throw ChatModelStop(reason: .callerGone(error))
                            }
                            progress.delivered(deliver)
                        }
                        // Throwing ends the model's answer and its upstream request at once.
                        if cut { throw ChatModelStop(reason: .lengthLimit) }
                    case .usage(let reported):
                        progress.usage = reported
                    case .finished(let reason):
                        progress.finishReason = reason
                    }
                }
            } catch let stop as ChatModelStop {
                guard case .lengthLimit = stop.reason else { throw stop }
                progress.finishReason = "length"
            }
            // A cancelled caller may end the model's answer early without an error.
            try Task.checkCancellation()
            if progress.finishReason == "content_filter" {
                throw ChatError.answerFiltered
            }
            let text = progress.text
            try await service.store.finishQuestion(
                opened.lease, recording: ChatTurn(question: question, answer: text, citations: CitedPassage.kept(from: citations)))
            await report(progress.usage)
            return ChatAnswer(
                sessionID: sessionID, text: text, usage: progress.usage, finishReason: progress.finishReason, citations: citations)
        } catch {
            let callerStopped = Self.isCallerGone(error) || error is CancellationError || Task.isCancelled
            let delivered = progress.text
            let turn =
                callerStopped && !delivered.isEmpty
                ? ChatTurn(question: question, answer: delivered, citations: CitedPassage.kept(from: citations)) : nil
            await service.release(opened.lease, recording: turn)
            await report(progress.usage)
            if let stop = error as? ChatModelStop, case .callerGone(let underlying) = stop.reason { throw underlying }
            throw error
        }
    }

    /// Hands the token counts on outside the (possibly cancelled) caller's task, so they are kept.
    private func report(_ usage: ChatUsage?) async {
        guard let usage, let onUsage else { return }
        await Task { await onUsage(usage) }.value
    }

    private static func isCallerGone(_ error: any Error) -> Bool {
        guard let stop = error as? ChatModelStop, case .callerGone = stop.reason else { return false }
        return true
    }
}

/// What one answer has delivered so far, and its length limit. Events arrive one at a time from
/// the model's callback; the lock only makes that hand-over visible across tasks.
final class AnswerProgress: Sendable {
    private struct State {
        var text = ""
        var characters = 0
        var usage: ChatUsage?
        var finishReason: String?
    }

    private let limit: Int
    private let state = Mutex(State())

    init(limit: Int) {
        self.limit = limit
    }

    /// The part of `text` that fits under the limit, and whether the answer must be cut after it.
    func admit(_ text: String) -> (deliver: String, cut: Bool) {
        let room = limit - state.withLock { $0.characters }
        let count = text.count
        guard count > room else { return (text, false) }
        return (String(text.prefix(max(0, room))), true)
    }

    func delivered(_ text: String) {
        state.withLock {
            $0.text += text
            $0.characters += text.count
        }
    }

    var text: String { state.withLock { $0.text } }

    var usage: ChatUsage? {
        get { state.withLock { $0.usage } }
        set { state.withLock { $0.usage = newValue } }
    }

    var finishReason: String? {
        get { state.withLock { $0.finishReason } }
        set { state.withLock { $0.finishReason = newValue } }
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

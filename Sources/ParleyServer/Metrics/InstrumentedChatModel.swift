import Foundation
import ParleyChat
import Synchronization

/// Times the model's answers (to the first delta and to the end), counts tokens by deployment and
/// kind, and upstream errors by the code the API reports for them. Wraps the callback: no task
/// or stream of its own.
struct InstrumentedChatModel: ChatModel {
    let base: any ChatModel
    let metrics: ParleyMetrics

    func answer(
        _ messages: [ChatMessage], deployment: String,
        onEvent: @escaping @Sendable (ChatModelEvent) async throws -> Void
    ) async throws {
        try await answer(messages, citations: nil, deployment: deployment, onEvent: onEvent)
    }

    /// Passes the citations on, so the offline responder behind it can answer from the documents.
    func answer(
        _ messages: [ChatMessage], citations: [Citation]?, deployment: String,
        onEvent: @escaping @Sendable (ChatModelEvent) async throws -> Void
    ) async throws {
        let metrics = self.metrics
        let start = ContinuousClock.now
        let sawFirst = Atomic<Bool>(false)
        do {
            try await base.answer(messages, citations: citations, deployment: deployment) { event in
                switch event {
                case .delta:
                    if !sawFirst.exchange(true, ordering: .relaxed) {
                        metrics.firstToken(deployment: deployment, after: ContinuousClock.now - start)
                    }
                case .usage(let usage):
                    metrics.tokensUsed(deployment: deployment, prompt: usage.promptTokens, completion: usage.completionTokens)
                case .finished:
                    break
                }
                try await onEvent(event)
            }
            metrics.upstreamFinished(deployment: deployment, after: ContinuousClock.now - start)
        } catch {
            if !(error is CancellationError) && !Task.isCancelled && !(error is ChatModelStop) {
                metrics.upstreamError(deployment: deployment, code: APIError.from(error).code)
            }
            metrics.upstreamFinished(deployment: deployment, after: ContinuousClock.now - start)
            throw error
        }
    }
}

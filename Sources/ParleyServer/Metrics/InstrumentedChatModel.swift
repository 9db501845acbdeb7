import Foundation
import ParleyChat

/// Times the model's answers (to the first delta and to the end), counts tokens by deployment and
/// kind, and upstream errors by the code the API reports for them.
struct InstrumentedChatModel: ChatModel {
    let base: any ChatModel
    let metrics: ParleyMetrics

    func streamAnswer(to messages: [ChatMessage], deployment: String) -> AsyncThrowingStream<ChatModelEvent, any Error> {
        let upstream = base.streamAnswer(to: messages, deployment: deployment)
        let metrics = self.metrics
        return AsyncThrowingStream { continuation in
            let task = Task {
                let start = ContinuousClock.now
                var sawFirst = false
                do {
                    for try await event in upstream {
                        switch event {
                        case .delta:
                            if !sawFirst {
                                sawFirst = true
                                metrics.firstToken(deployment: deployment, after: ContinuousClock.now - start)
                            }
                        case .usage(let usage):
                            metrics.tokensUsed(deployment: deployment, prompt: usage.promptTokens, completion: usage.completionTokens)
                        case .finished:
                            break
                        }
                        continuation.yield(event)
                    }
                    metrics.upstreamFinished(deployment: deployment, after: ContinuousClock.now - start)
                    continuation.finish()
                } catch {
                    if !(error is CancellationError) && !Task.isCancelled {
                        metrics.upstreamError(deployment: deployment, code: APIError.from(error).code)
                    }
                    metrics.upstreamFinished(deployment: deployment, after: ContinuousClock.now - start)
                    continuation.finish(throwing: error)
                }
            }
            continuation.onTermination = { _ in task.cancel() }
        }
    }
}

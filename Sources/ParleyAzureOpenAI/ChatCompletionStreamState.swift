import Foundation

/// Turns the data payloads of Azure's chat-completions stream into `ChatCompletionEvent`s.
///
/// Azure's stream differs from OpenAI's (reference §5, samples 2023–2026), so everything is optional:
/// the first event may have `choices: []` and only `prompt_filter_results` (or the older
/// `prompt_annotations`); the role event has an empty `content`; annotation events of the asynchronous
/// content filter have no `delta` and can arrive after the finish event; the usage event
/// (`include_usage`) has `choices: []`; unknown members appear without notice.
///
/// `.finished` is held back until the stream ends (`[DONE]` or EOF), so it is emitted once, last, and
/// reports `content_filter` when any event of choice 0 said so — also when the asynchronous filter
/// flagged the text after a `stop`.
struct ChatCompletionStreamState {
    enum Outcome: Equatable {
        /// Events to hand to the consumer now (possibly none).
        case events([ChatCompletionEvent])
        /// `data: [DONE]`.
        case done
        /// The payload was not a JSON object of the expected shape; log and skip it.
        case unparseable
        /// The event carried a top-level `error` object.
        case streamError(AzureErrorEnvelope)
    }

    private(set) var finishReason: String?
    private(set) var sawUsage = false
    private let decoder = JSONDecoder()

    mutating func consume(_ data: String) -> Outcome {
        if data.hasPrefix("[DONE]") { return .done }  // openai-python's test too (`startswith`)
        guard let chunk = try? decoder.decode(Chunk.self, from: Data(data.utf8)) else {
            return .unparseable
        }
        if let error = chunk.error {
            return .streamError(AzureErrorEnvelope.from(error))
        }
        var events: [ChatCompletionEvent] = []
        for choice in chunk.choices ?? [] where (choice.index ?? 0) == 0 {
            if let content = choice.delta?.content, !content.isEmpty {
                events.append(.delta(content))
            }
            if let reason = choice.finish_reason, !reason.isEmpty {
                // A content-filter verdict is never overwritten by a later, milder reason.
                if finishReason != "content_filter" { finishReason = reason }
            }
        }
        if let usage = chunk.usage, !sawUsage {
            sawUsage = true
            events.append(.usage(usage))
        }
        return .events(events)
    }

    /// The events due when the stream ends.
    func finalEvents() -> [ChatCompletionEvent] {
        finishReason.map { [.finished(reason: $0)] } ?? []
    }

    private struct Chunk: Decodable {
        var choices: [Choice]?
        var usage: TokenUsage?
        var error: AzureErrorEnvelope.Wire.Body?
    }

    private struct Choice: Decodable {
        var index: Int?
        var delta: Delta?
        var finish_reason: String?
    }

    private struct Delta: Decodable {
        var content: String?
    }
}

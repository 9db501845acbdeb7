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
    /// One decoder for the whole call: making one per chunk was a measurable part of the CPU profile
    /// under load (issue 11). A `JSONDecoder` may be reused within one task.
    private let decoder = JSONDecoder()

    /// `data: [DONE]` — openai-python tests with `startswith("[DONE]")` too.
    private static let doneMarker = Array("[DONE]".utf8)

    /// The payload of one `data:` event, read straight from the parser's bytes (no String, no copy).
    mutating func consume(bytes: UnsafeRawBufferPointer) -> Outcome {
        if bytes.starts(with: Self.doneMarker) { return .done }
        if let scanned = ChatCompletionChunkScanner.scan(bytes) {
            return .events(events(of: scanned.choices ?? []))
        }
        guard let base = bytes.baseAddress, !bytes.isEmpty else { return .unparseable }
        // No copy: the Data only borrows the parser's buffer for the length of this call.
        let data = Data(bytesNoCopy: UnsafeMutableRawPointer(mutating: base), count: bytes.count, deallocator: .none)
        guard let chunk = try? decoder.decode(Chunk.self, from: data) else {
            return .unparseable
        }
        return consume(chunk)
    }

    private mutating func consume(_ chunk: Chunk) -> Outcome {
        if let error = chunk.error {
            return .streamError(AzureErrorEnvelope.from(error))
        }
        let choices = (chunk.choices ?? []).map {
            ChatCompletionChunkScanner.Choice(index: $0.index, content: $0.delta?.content, finishReason: $0.finish_reason)
        }
        var events = events(of: choices)
        if let usage = chunk.usage, !sawUsage {
            sawUsage = true
            events.append(.usage(usage))
        }
        return .events(events)
    }

    /// The events of a chunk's choices (only choice 0 is Parley's answer).
    private mutating func events(of choices: [ChatCompletionChunkScanner.Choice]) -> [ChatCompletionEvent] {
        var events: [ChatCompletionEvent] = []
        for choice in choices where (choice.index ?? 0) == 0 {
            if let content = choice.content, !content.isEmpty {
                events.append(.delta(content))
            }
            if let reason = choice.finishReason, !reason.isEmpty {
                // A content-filter verdict is never overwritten by a later, milder reason.
                if finishReason != "content_filter" { finishReason = reason }
            }
        }
        return events
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

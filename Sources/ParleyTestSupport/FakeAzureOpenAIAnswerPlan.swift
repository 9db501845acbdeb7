import Foundation

/// What a successful request gets: the answer text, how it is cut into events, and the timing.
struct FakeAzureOpenAIAnswerPlan {
    enum Write: Sendable {
        /// Bytes to write after waiting `delay`.
        case bytes(String, delay: Duration)
        /// Write nothing more until the client goes away or the fake shuts down.
        case hang
        /// Drop the connection without ending the response.
        case reset
        /// Write these bytes again and again until the client goes away.
        case forever(String)
    }

    let directives: FakeAzureOpenAIDirectives
    let messages: [FakeAzureOpenAI.Message]
    let options: FakeAzureOpenAI.Options
    let includeUsage: Bool
    let id = "chatcmpl-fake" + UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(20)
    let created = Int(Date().timeIntervalSince1970)

    /// The answer's text.
    var answer: String {
        if let say = directives.say { return say }
        let userMessages = messages.filter { $0.role == "user" }.map { FakeAzureOpenAIDirectives(parsing: $0.content).remainder }
        var text = "Echo: \(userMessages.last ?? "")"
        if userMessages.count > 1 {
            text += " | earlier: " + userMessages.dropLast().joined(separator: " / ")
        }
        if directives.slow {
            text += " | This answer is deliberately slow so that stopping it can be tested:"
            text += (1...64).map { " word\($0)" }.joined()
        }
        return text
    }

    /// `ceil(chars/4) + 3` per message, + 3 for the reply (LangChain's approximation, reference §8.1).
    var promptTokens: Int {
        messages.reduce(3) { $0 + ($1.content.count + 3) / 4 + 3 }
    }

    func writes() -> [Write] {
        if let replay = directives.replay ?? options.replay {
            return replayWrites(replay)
        }
        let delay = directives.slow ? options.slowChunkDelay : options.chunkDelay
        var writes: [Write] = []
        if options.includePromptFilterResults {
            writes.append(.bytes(FakeAzureOpenAIWire.sse(FakeAzureOpenAIWire.promptFilterEvent), delay: .zero))
        }
        if directives.hang {
            // Headers and the first event only.
            if writes.isEmpty {
                writes.append(.bytes(FakeAzureOpenAIWire.sse(FakeAzureOpenAIWire.roleEvent(id: id, created: created)), delay: .zero))
            }
            writes.append(.hang)
            return writes
        }
        writes.append(.bytes(FakeAzureOpenAIWire.sse(FakeAzureOpenAIWire.roleEvent(id: id, created: created)), delay: .zero))
        if directives.endless {
            writes.append(.forever(FakeAzureOpenAIWire.sse(FakeAzureOpenAIWire.contentEvent("lorem ipsum ", id: id, created: created))))
            return writes
        }
        var chunks = FakeAzureOpenAIChunking.words(answer)
        if directives.filteredStream || directives.reset || directives.streamError {
            chunks = Array(chunks.prefix(3))
        }
        for (index, chunk) in chunks.enumerated() {
            writes.append(.bytes(FakeAzureOpenAIWire.sse(FakeAzureOpenAIWire.contentEvent(chunk, id: id, created: created)), delay: delay))
            if let huge = directives.hugeEvent, index == min(1, chunks.count - 1) {
                writes.append(.bytes(FakeAzureOpenAIWire.hugeEvent(bytes: huge.bytes, lines: huge.lines, id: id, created: created),
                                     delay: .zero))
            }
            if directives.garbage && index == min(1, chunks.count - 1) {
                writes.append(.bytes(FakeAzureOpenAIWire.sse(FakeAzureOpenAIWire.garbageEvent), delay: .zero))
            }
        }
        if directives.reset {
            writes.append(.reset)
            return writes
        }
        if directives.streamError {
            writes.append(.bytes(FakeAzureOpenAIWire.sse(FakeAzureOpenAIWire.streamErrorEvent), delay: delay))
            writes.append(.bytes(FakeAzureOpenAIWire.done, delay: .zero))
            return writes
        }
        let finish = directives.filteredStream
            ? FakeAzureOpenAIWire.finishEvent(reason: "content_filter", id: id, created: created,
                                              filterResults: FakeAzureOpenAIWire.violenceFilteredResults)
            : FakeAzureOpenAIWire.finishEvent(reason: directives.finishReason ?? "stop", id: id, created: created)
        writes.append(.bytes(FakeAzureOpenAIWire.sse(finish), delay: delay))
        if options.includeAnnotations && !directives.filteredStream {
            let length = chunks.joined().count
            writes.append(.bytes(FakeAzureOpenAIWire.sse(FakeAzureOpenAIWire.annotationEvent(endOffset: length)), delay: .zero))
        }
        if includeUsage {
            let usage = FakeAzureOpenAIWire.usageEvent(id: id, created: created, promptTokens: promptTokens,
                                                       completionTokens: chunks.count)
            writes.append(.bytes(FakeAzureOpenAIWire.sse(usage), delay: .zero))
        }
        if !directives.noDone {
            writes.append(.bytes(FakeAzureOpenAIWire.done, delay: .zero))
        }
        return writes
    }

    private func replayWrites(_ stream: FakeAzureOpenAI.RecordedStream) -> [Write] {
        var text = stream.text
        if options.replayWithCRLF {
            text = text.replacingOccurrences(of: "\n", with: "\r\n")
        }
        guard let size = options.replayChunkBytes, size > 0 else {
            return [.bytes(text, delay: .zero)]
        }
        // Cut at byte offsets, so UTF-8 sequences (the recordings contain "’") get split too.
        let bytes = Array(text.utf8)
        return stride(from: 0, to: bytes.count, by: size).map { start in
            let piece = bytes[start..<min(start + size, bytes.count)]
            return .bytes(String(decoding: piece, as: UTF8.self), delay: .zero)
        }
    }

    /// A complete `chat.completion` object for requests without `"stream": true`.
    func nonStreamingBody() -> String {
        let text = answer
        let completionTokens = FakeAzureOpenAIChunking.words(text).count
        return #"{"choices":[{"content_filter_results":\#(FakeAzureOpenAIWire.safeFilterResults),"finish_reason":"stop","index":0,"logprobs":null,"message":{"annotations":[],"content":\#(FakeAzureOpenAIWire.jsonString(text)),"refusal":null,"role":"assistant"}}],"created":\#(created),"id":"\#(id)","model":"\#(FakeAzureOpenAIWire.model)","object":"chat.completion","system_fingerprint":"fp_fake","usage":{"completion_tokens":\#(completionTokens),"prompt_tokens":\#(promptTokens),"total_tokens":\#(promptTokens + completionTokens)}}"#
    }
}

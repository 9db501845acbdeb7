import Foundation

/// The `[[…]]` directives in the last user message that script the fake's answer, so browser and
/// server tests can provoke every behaviour through the normal API.
struct FakeAzureOpenAIDirectives: Equatable {
    /// `[[status:NNN]]` (count nil: always) or `[[status:NNN:N]]` (the first N attempts of this exact
    /// message text fail, later ones succeed).
    var status: (code: Int, count: Int?)?
    var contentFilter = false
    var filteredStream = false
    var contextLength = false
    var slow = false
    var hang = false
    var say: String?
    var garbage = false
    var noDone = false
    var replay: FakeAzureOpenAI.RecordedStream?
    /// `[[reset]]`: a few words, then the connection is dropped without ending the response.
    var reset = false
    /// `[[stream_error]]`: a few words, then an event with a top-level `error` object.
    var streamError = false
    /// `[[not_sse]]`: a 200 whose body is a JSON object, not an event stream.
    var notEventStream = false
    /// `[[endless]]`: content events without end, as fast as the client reads them.
    var endless = false
    /// `[[head_delay:MS]]`: wait MS milliseconds before sending the response head.
    var headDelayMilliseconds: Int?
    /// `[[retry_after:VALUE]]` / `[[retry_after_ms:VALUE]]`: send exactly these header values (any text,
    /// empty included) with a `[[status:…]]` answer instead of the fake's own; with either given, the
    /// other header is sent only when scripted too.
    var retryAfter: String?
    var retryAfterMilliseconds: String?
    /// `[[location:URL]]`: a `Location` header on a `[[status:…]]` answer (for 3xx redirects).
    var location: String?
    /// `[[body:NAME]]`: the error body of a `[[status:…]]` answer: `invalid_token` (bare 401),
    /// `invalid_key` (gateway 401), `permission_denied` (the 401 default).
    var body: String?
    /// `[[huge_event:BYTES:LINES]]`: mid-stream, one event of about BYTES bytes of data spread over
    /// LINES `data:` lines (1: a single line), then the rest of the answer.
    var hugeEvent: (bytes: Int, lines: Int)?
    /// `[[finish:REASON]]`: the finish event's `finish_reason` (default `stop`), e.g. `length`.
    var finishReason: String?
    /// The message with every directive removed and whitespace trimmed (what the echo repeats).
    var remainder: String

    static func == (lhs: Self, rhs: Self) -> Bool {
        lhs.status?.code == rhs.status?.code && lhs.status?.count == rhs.status?.count
            && lhs.contentFilter == rhs.contentFilter && lhs.filteredStream == rhs.filteredStream
            && lhs.contextLength == rhs.contextLength && lhs.slow == rhs.slow && lhs.hang == rhs.hang
            && lhs.say == rhs.say && lhs.garbage == rhs.garbage && lhs.noDone == rhs.noDone
            && lhs.replay == rhs.replay && lhs.remainder == rhs.remainder && lhs.reset == rhs.reset
            && lhs.streamError == rhs.streamError && lhs.notEventStream == rhs.notEventStream && lhs.headDelayMilliseconds == rhs.headDelayMilliseconds
            && lhs.endless == rhs.endless
            && lhs.retryAfter == rhs.retryAfter && lhs.retryAfterMilliseconds == rhs.retryAfterMilliseconds
            && lhs.location == rhs.location && lhs.body == rhs.body && lhs.hugeEvent?.bytes == rhs.hugeEvent?.bytes
            && lhs.hugeEvent?.lines == rhs.hugeEvent?.lines && lhs.finishReason == rhs.finishReason
    }

    init(parsing message: String) {
        var rest = message
        // `[[say:TEXT]]`: TEXT runs to the final "]]", so it may itself contain brackets.
        if let start = rest.range(of: "[[say:"), let end = rest.range(of: "]]", options: .backwards),
            end.lowerBound >= start.upperBound
        {
            say = String(rest[start.upperBound..<end.lowerBound])
            rest.removeSubrange(start.lowerBound..<end.upperBound)
        }
        let pattern = #/\[\[([a-z_]+)(?::([^\]]*))?\]\]/#
        for match in rest.matches(of: pattern) {
            let argument = match.2.map(String.init)
            switch match.1 {
            case "status":
                let parts = (argument ?? "").split(separator: ":").compactMap { Int($0) }
                if let code = parts.first { status = (code, parts.count > 1 ? parts[1] : nil) }
            case "content_filter": contentFilter = true
            case "filtered_stream": filteredStream = true
            case "context_length": contextLength = true
            case "slow": slow = true
            case "hang": hang = true
            case "garbage": garbage = true
            case "no_done": noDone = true
            case "reset": reset = true
            case "stream_error": streamError = true
            case "not_sse": notEventStream = true
            case "endless": endless = true
            case "head_delay": headDelayMilliseconds = argument.flatMap { Int($0) }
            case "retry_after": retryAfter = argument ?? ""
            case "retry_after_ms": retryAfterMilliseconds = argument ?? ""
            case "location": location = argument
            case "body": body = argument
            case "finish": finishReason = argument
            case "huge_event":
                let parts = (argument ?? "").split(separator: ":").compactMap { Int($0) }
                if let bytes = parts.first { hugeEvent = (bytes, max(1, parts.count > 1 ? parts[1] : 1)) }
            case "replay": replay = argument.flatMap(FakeAzureOpenAI.RecordedStream.init(rawValue:))
            default: break
            }
        }
        // A directive takes the whitespace before it along, so "a [[x]] b" echoes as "a b".
        remainder = rest.replacing(#/\s*\[\[[a-z_]+(?::[^\]]*)?\]\]/#, with: "").trimmingCharacters(in: .whitespaces)
    }
}

/// Splits text into stream chunks word by word, each later chunk carrying the spaces before its word,
/// so the chunks concatenate back to the exact text.
enum FakeAzureOpenAIChunking {
    static func words(_ text: String) -> [String] {
        var chunks: [String] = []
        var current = ""
        var previousWasSpace = false
        for character in text {
            if character == " " {
                if !previousWasSpace && !current.isEmpty && !current.allSatisfy({ $0 == " " }) {
                    chunks.append(current)
                    current = ""
                }
                previousWasSpace = true
            } else {
                previousWasSpace = false
            }
            current.append(character)
        }
        if !current.isEmpty { chunks.append(current) }
        return chunks
    }
}

import NIOCore

/// One dispatched server-sent event: its `event:` type (nil when absent) and its data lines joined by "\n".
struct ServerSentEvent: Sendable, Equatable {
    var type: String?
    var data: String
}

/// An incremental parser for `text/event-stream` bodies, fed the byte chunks AsyncHTTPClient hands
/// over. No stack library offers one on Linux (Swift 6.3.1 has no `AsyncSequence.lines`), so this
/// follows the WHATWG "event stream interpretation" rules, kept to what Azure OpenAI sends:
/// - lines end in "\n", "\r\n" or "\r", and a chunk may end in the middle of a line, of a CRLF pair
///   or of a UTF-8 sequence;
/// - a blank line dispatches the event; `data:` lines are joined with "\n"; one space after the colon
///   is dropped; lines starting with ":" are comments; unknown fields (`id`, `retry`, the docs' `...`)
///   are ignored; an event without data is not dispatched;
/// - unlike the spec, `finish()` dispatches an event left open at EOF, because Azure's stream may end
///   with `data: [DONE]` and no newline (semantic-kernel's recorded stream does).
/// A line longer than `maximumLineBytes` is dropped and counted in `oversizedLines`, so a hostile or
/// broken upstream cannot grow the buffer without bound.
struct ServerSentEventParser {
    static let defaultMaximumLineBytes = 1 << 20

    let maximumLineBytes: Int
    private(set) var oversizedLines = 0

    private var line: [UInt8] = []
    private var discardingLine = false
    private var lastByteWasCarriageReturn = false
    private var eventType: String?
    private var dataLines: [String] = []

    init(maximumLineBytes: Int = ServerSentEventParser.defaultMaximumLineBytes) {
        self.maximumLineBytes = maximumLineBytes
    }

    /// Consumes one chunk and returns the events it completed, in order.
    mutating func feed(_ chunk: ByteBuffer) -> [ServerSentEvent] {
        chunk.withUnsafeReadableBytes { feed(bytes: $0) }
    }

    mutating func feed(_ text: String) -> [ServerSentEvent] {
        feed(ByteBuffer(string: text))
    }

    /// Ends the stream: completes a last line without terminator and dispatches a pending event.
    mutating func finish() -> [ServerSentEvent] {
        var events: [ServerSentEvent] = []
        if !line.isEmpty || discardingLine {
            endLine(into: &events)
        }
        dispatch(into: &events)
        return events
    }

    private mutating func feed(bytes: UnsafeRawBufferPointer) -> [ServerSentEvent] {
        var events: [ServerSentEvent] = []
        for byte in bytes {
            switch byte {
            case UInt8(ascii: "\n"):
                if lastByteWasCarriageReturn {
                    lastByteWasCarriageReturn = false  // second half of a CRLF pair
                } else {
                    endLine(into: &events)
                }
            case UInt8(ascii: "\r"):
                lastByteWasCarriageReturn = true
                endLine(into: &events)
            default:
                lastByteWasCarriageReturn = false
                if discardingLine { continue }
                if line.count >= maximumLineBytes {
                    discardingLine = true
                    line.removeAll(keepingCapacity: false)
                } else {
                    line.append(byte)
                }
            }
        }
        return events
    }

    private mutating func endLine(into events: inout [ServerSentEvent]) {
        defer { line.removeAll(keepingCapacity: true) }
        if discardingLine {
            discardingLine = false
            oversizedLines += 1
            return
        }
        if line.isEmpty {
            dispatch(into: &events)
            return
        }
        if line.first == UInt8(ascii: ":") { return }  // comment, e.g. a keep-alive ": ping"

        let text = String(decoding: line, as: UTF8.self)
        let field: Substring
        var value: Substring
        if let colon = text.firstIndex(of: ":") {
            field = text[..<colon]
            value = text[text.index(after: colon)...]
            if value.first == " " { value = value.dropFirst() }
        } else {
            field = text[...]
            value = ""
        }
        switch field {
        case "data": dataLines.append(String(value))
        case "event": eventType = String(value)
        default: break  // id, retry and anything unknown
        }
    }

    private mutating func dispatch(into events: inout [ServerSentEvent]) {
        defer {
            dataLines.removeAll()
            eventType = nil
        }
        guard !dataLines.isEmpty else { return }
        events.append(ServerSentEvent(type: eventType, data: dataLines.joined(separator: "\n")))
    }
}

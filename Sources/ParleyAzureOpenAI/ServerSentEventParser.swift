import NIOCore

/// One dispatched server-sent event: its `event:` type (nil when absent) and its data lines joined by "\n".
/// The hot path never builds one (see `ServerSentEventParser.Element`); tests and tools do.
struct UpstreamEvent: Sendable, Equatable {
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
///
/// Works on bytes: line ends are found in the chunk itself, complete lines are read in place, and
/// only a line cut by a chunk boundary and the data of the open event are copied (once each).
///
/// Memory stays bounded against a hostile or broken upstream:
/// - a line longer than `maximumLineBytes` is dropped and counted in `oversizedLines`;
/// - an event whose data (the sum of its `data:` lines — many lines can make one event) passes
///   `maximumEventBytes` stops being buffered and is reported as `.oversized` instead of dispatched.
///   An oversized `data:` line makes its event oversized too, so one 2 MiB line and 2 MiB in many
///   lines end the same way.
struct ServerSentEventParser {
    /// 1 MiB: Azure's chat events are a few hundred bytes (recorded streams 2023–2026); the largest,
    /// the usage and annotation events, stay under 2 KiB. A megabyte is far beyond any real event.
    static let defaultMaximumEventBytes = 1 << 20
    static let defaultMaximumLineBytes = 1 << 20

    /// What the parser hands to its consumer.
    enum Element {
        /// A complete event; `data` is only valid during the call.
        case event(type: String?, data: UnsafeRawBufferPointer)
        /// An event that passed `maximumEventBytes`; its data was discarded.
        case oversized
    }

    let maximumLineBytes: Int
    let maximumEventBytes: Int
    private(set) var oversizedLines = 0
    private(set) var oversizedEvents = 0

    /// A line cut by the end of a chunk, waiting for the rest.
    private var partialLine: [UInt8] = []
    private var discardingLine = false
    /// The field of the line being discarded was `data`: its event is oversized.
    private var discardingDataLine = false
    private var lastByteWasCarriageReturn = false
    private var eventType: String?
    private var data: [UInt8] = []
    private var hasData = false
    private var eventOverflowed = false

    /// Bytes held between chunks (a cut line and the open event's data); bounded by the two limits.
    var bufferedBytes: Int { partialLine.count + data.count }

    init(maximumLineBytes: Int = ServerSentEventParser.defaultMaximumLineBytes,
         maximumEventBytes: Int = ServerSentEventParser.defaultMaximumEventBytes) {
        self.maximumLineBytes = maximumLineBytes
        self.maximumEventBytes = maximumEventBytes
    }

    // MARK: The hot path

    /// Consumes one chunk, handing each completed element to `handle` in order. `handle` returns
    /// false to stop (the rest of the chunk is then ignored).
    @discardableResult
    mutating func feed(_ chunk: ByteBuffer, _ handle: (Element) throws -> Bool) rethrows -> Bool {
        try chunk.withUnsafeReadableBytes { try feed(bytes: $0, handle) }
    }

    /// Ends the stream: completes a last line without terminator and dispatches a pending event.
    @discardableResult
    mutating func finish(_ handle: (Element) throws -> Bool) rethrows -> Bool {
        if !partialLine.isEmpty || discardingLine {
            let line = partialLine
            partialLine.removeAll(keepingCapacity: true)
            guard try line.withUnsafeBytes({ try endLine($0, handle) }) else { return false }
        }
        return try dispatch(handle)
    }

    private mutating func feed(bytes: UnsafeRawBufferPointer, _ handle: (Element) throws -> Bool) rethrows -> Bool {
        var start = 0
        let count = bytes.count
        if lastByteWasCarriageReturn, count > 0 {
            lastByteWasCarriageReturn = false
            if bytes[0] == UInt8(ascii: "\n") { start = 1 }  // second half of a CRLF pair
        }
        while start < count {
            // Find the next line end in place.
            var end = start
            while end < count, bytes[end] != UInt8(ascii: "\n"), bytes[end] != UInt8(ascii: "\r") { end += 1 }
            guard end < count else {
                keepPartial(UnsafeRawBufferPointer(rebasing: bytes[start..<count]))
                return true
            }
            let keepGoing: Bool
            if partialLine.isEmpty && !discardingLine {
                keepGoing = try endLine(UnsafeRawBufferPointer(rebasing: bytes[start..<end]), handle)
            } else {
                keepPartial(UnsafeRawBufferPointer(rebasing: bytes[start..<end]))
                let line = partialLine
                partialLine.removeAll(keepingCapacity: true)
                keepGoing = try line.withUnsafeBytes { try endLine($0, handle) }
            }
            if bytes[end] == UInt8(ascii: "\r") {
                if end + 1 < count {
                    if bytes[end + 1] == UInt8(ascii: "\n") { end += 1 }
                } else {
                    lastByteWasCarriageReturn = true
                }
            }
            start = end + 1
            if !keepGoing { return false }
        }
        return true
    }

    /// Buffers the start (or more) of a line cut by a chunk boundary, up to `maximumLineBytes`.
    private mutating func keepPartial(_ piece: UnsafeRawBufferPointer) {
        if discardingLine || piece.isEmpty { return }
        if partialLine.count + piece.count > maximumLineBytes {
            startDiscarding(prefix: partialLine.isEmpty ? piece : nil)
            return
        }
        partialLine.append(contentsOf: piece)
    }

    private mutating func startDiscarding(prefix: UnsafeRawBufferPointer?) {
        let isData = prefix.map(Self.isDataField) ?? partialLine.withUnsafeBytes(Self.isDataField)
        discardingLine = true
        discardingDataLine = isData
        partialLine.removeAll(keepingCapacity: false)
    }

    private static func isDataField(_ line: UnsafeRawBufferPointer) -> Bool {
        line.count >= 4 && line[0] == UInt8(ascii: "d") && line[1] == UInt8(ascii: "a")
            && line[2] == UInt8(ascii: "t") && line[3] == UInt8(ascii: "a")
            && (line.count == 4 || line[4] == UInt8(ascii: ":"))
    }

    /// Handles one complete line (without its terminator).
    private mutating func endLine(_ line: UnsafeRawBufferPointer, _ handle: (Element) throws -> Bool) rethrows -> Bool {
        if discardingLine {
            discardingLine = false
            oversizedLines += 1
            if discardingDataLine { overflowEvent() }
            discardingDataLine = false
            return true
        }
        if line.isEmpty { return try dispatch(handle) }
        if line.count > maximumLineBytes {
            oversizedLines += 1
            if Self.isDataField(line) { overflowEvent() }
            return true
        }
        if line[0] == UInt8(ascii: ":") { return true }  // comment, e.g. a keep-alive ": ping"

        let colon = line.firstIndex(of: UInt8(ascii: ":")) ?? line.count
        let field = UnsafeRawBufferPointer(rebasing: line[0..<colon])
        var valueStart = Swift.min(colon + 1, line.count)
        if valueStart < line.count, line[valueStart] == UInt8(ascii: " ") { valueStart += 1 }
        let value = UnsafeRawBufferPointer(rebasing: line[valueStart..<line.count])

        if field.elementsEqual("data".utf8) {
            appendData(value)
        } else if field.elementsEqual("event".utf8) {
            eventType = String(decoding: value, as: UTF8.self)
        }
        // id, retry and anything unknown are ignored.
        return true
    }

    private mutating func appendData(_ value: UnsafeRawBufferPointer) {
        if eventOverflowed { return }
        let separator = hasData ? 1 : 0
        guard data.count + separator + value.count <= maximumEventBytes else {
            overflowEvent()
            return
        }
        if hasData { data.append(UInt8(ascii: "\n")) }
        data.append(contentsOf: value)
        hasData = true
    }

    /// Stops buffering the open event; it is reported as `.oversized` when it ends.
    private mutating func overflowEvent() {
        eventOverflowed = true
        hasData = true
        data.removeAll(keepingCapacity: false)
    }

    private mutating func dispatch(_ handle: (Element) throws -> Bool) rethrows -> Bool {
        defer {
            data.removeAll(keepingCapacity: data.capacity <= 64 * 1024)
            hasData = false
            eventOverflowed = false
            eventType = nil
        }
        guard hasData else { return true }
        if eventOverflowed {
            oversizedEvents += 1
            return try handle(.oversized)
        }
        let type = eventType
        return try data.withUnsafeBytes { try handle(.event(type: type, data: $0)) }
    }

    // MARK: Convenience for tests and tools

    /// Consumes one chunk and returns the events it completed, in order (oversized ones left out).
    mutating func feed(_ chunk: ByteBuffer) -> [UpstreamEvent] {
        var events: [UpstreamEvent] = []
        feed(chunk) { Self.collect($0, into: &events) }
        return events
    }

    mutating func feed(_ text: String) -> [UpstreamEvent] {
        feed(ByteBuffer(string: text))
    }

    /// Ends the stream and returns the event left open, if any.
    mutating func finish() -> [UpstreamEvent] {
        var events: [UpstreamEvent] = []
        finish { Self.collect($0, into: &events) }
        return events
    }

    private static func collect(_ element: Element, into events: inout [UpstreamEvent]) -> Bool {
        if case .event(let type, let data) = element {
            events.append(UpstreamEvent(type: type, data: String(decoding: data, as: UTF8.self)))
        }
        return true
    }
}

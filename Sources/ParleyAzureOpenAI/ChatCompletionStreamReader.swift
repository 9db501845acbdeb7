import AsyncHTTPClient
import Logging
import NIOCore

/// Reads one 2xx attempt's event stream: bytes → SSE events (`ServerSentEventParser`) → chat events
/// (`ChatCompletionStreamState`) → the caller's `onEvent`, all in the calling task. A transport failure
/// before anything was handed over is reported as `transportFailed` (retryable); after that it ends
/// the call.
struct ChatCompletionStreamReader {
    let call: ChatCompletionCall
    let status: Int
    let requestID: String?
    let attempt: Int
    let mapping: AzureOpenAIErrorMapping
    let deadline: ContinuousClock.Instant

    private var state = ChatCompletionStreamState()
    /// The events completed by the current chunk, handed over after the parser is done with it (the
    /// parser's callback cannot await). Reused, so a chunk costs no allocation here.
    private var pending: [ChatCompletionEvent] = []
    private var stop: Stop?
    private var dataEvents = 0
    private var deliveredAny = false

    /// Why the parser was told to stop early.
    private enum Stop {
        case done
        case streamError(AzureErrorEnvelope)
        case oversizedEvent
    }

    init(call: ChatCompletionCall, status: Int, requestID: String?, attempt: Int, mapping: AzureOpenAIErrorMapping,
         deadline: ContinuousClock.Instant) {
        self.call = call
        self.status = status
        self.requestID = requestID
        self.attempt = attempt
        self.mapping = mapping
        self.deadline = deadline
        pending.reserveCapacity(4)
    }

    private var logger: Logger { call.logger }

    mutating func read(_ body: HTTPClientResponse.Body, contentType: String?,
                       onEvent: ChatCompletionCall.OnEvent) async throws -> ChatCompletionCall.AttemptOutcome {
        var parser = ServerSentEventParser()  // a local: its callback mutates `self`
        do {
            reading: for try await chunk in body {
                parser.feed(chunk) { self.handle($0) }
                try await deliver(onEvent)
                if stop != nil { break reading }
                if ContinuousClock.now >= deadline { throw ChatCompletionCall.RequestDeadlinePassed() }
            }
            if stop == nil {
                parser.finish { self.handle($0) }
                try await deliver(onEvent)
            }
        } catch let error as ConsumerError {
            throw error.underlying  // the caller's own failure, not the transport's
        } catch let error as AzureOpenAIError {
            throw error
        } catch let error as CancellationError {
            throw error
        } catch let error as ChatCompletionCall.RequestDeadlinePassed {
            throw error
        } catch {
            if Task.isCancelled { throw CancellationError() }
            if !deliveredAny {
                logger.debug("Azure OpenAI stream broke off before any text",
                             metadata: call.metadata(["attempt": "\(attempt)", "error": "\(ChatCompletionCall.describe(error))"]))
                return .transportFailed(error, .beforeText)
            }
            throw call.transportError(error, attempts: attempt, phase: .midStream)
        }
        switch stop {
        case .streamError(let envelope):
            throw mapping.streamError(envelope, requestID: requestID)
        case .oversizedEvent:
            logger.warning("Azure OpenAI sent an event larger than the limit; answer ended",
                           metadata: call.metadata(["limit_bytes": "\(parser.maximumEventBytes)",
                                                    "request_id": "\(requestID ?? "-")"]))
            throw mapping.oversizedEvent(limitBytes: parser.maximumEventBytes, requestID: requestID)
        case .done, nil:
            break
        }
        if parser.oversizedLines > 0 {
            logger.warning("Dropped oversized lines in the Azure OpenAI stream",
                           metadata: call.metadata(["lines": "\(parser.oversizedLines)"]))
        }
        if dataEvents == 0 {
            // A 2xx without a single event is not Azure's stream (a proxy's page, a non-streamed body).
            throw AzureOpenAIError(kind: .upstreamError,
                message: "Azure OpenAI answered without an event stream (\(contentType ?? "no content type")). "
                    + "Check that the endpoint is the Azure OpenAI resource itself and not a proxy or portal page.",
                status: status, requestID: requestID)
        }
        if stop == nil {
            logger.debug("Azure OpenAI stream ended without [DONE]", metadata: call.metadata(["request_id": "\(requestID ?? "-")"]))
        }
        for event in state.finalEvents() {
            try await onEvent(event)
        }
        return .completed
    }

    /// The parser's callback: decodes one event; returns false to stop reading.
    private mutating func handle(_ element: ServerSentEventParser.Element) -> Bool {
        switch element {
        case .oversized:
            // The call ends rather than skipping the event: an event that large is not Azure's (theirs
            // are under 2 KiB), and skipping it could silently drop part of the answer.
            stop = .oversizedEvent
            return false
        case .event(_, let data):
            dataEvents += 1
            switch state.consume(bytes: data) {
            case .done:
                stop = .done
                return false
            case .unparseable:
                // The content is not logged: it may hold the answer's text.
                logger.warning("Skipped an unparseable event in the Azure OpenAI stream",
                               metadata: call.metadata(["bytes": "\(data.count)", "request_id": "\(requestID ?? "-")"]))
                return true
            case .streamError(let envelope):
                stop = .streamError(envelope)
                return false
            case .events(let events):
                pending.append(contentsOf: events)
                return true
            }
        }
    }

    private mutating func deliver(_ onEvent: ChatCompletionCall.OnEvent) async throws {
        guard !pending.isEmpty else { return }
        for event in pending {
            do {
                try await onEvent(event)
            } catch {
                throw ConsumerError(underlying: error)
            }
        }
        deliveredAny = true
        pending.removeAll(keepingCapacity: true)
    }
}

/// An error thrown by the caller's `onEvent`, kept apart from transport errors while reading.
private struct ConsumerError: Error {
    var underlying: any Error
}

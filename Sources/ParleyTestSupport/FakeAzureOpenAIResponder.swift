import Foundation
import Hummingbird
import NIOCore

/// Answers one chat-completions request the way Azure OpenAI would, scripted by directives in the
/// last user message:
/// - default: streams `Echo: <last user message>` (plus ` | earlier: <1st> / <2nd> …` when the
///   conversation had earlier user messages) word by word, then `stop`, usage (when asked), `[DONE]`;
/// - `[[status:NNN]]` answers that status with Azure's body (429 also with `retry-after: 1` and
///   `retry-after-ms: 1000`); `[[status:NNN:N]]` fails only the first N attempts of that exact message;
/// - `[[content_filter]]` 400 content_filter (with innererror), `[[context_length]]` 400
///   context_length_exceeded, `[[filtered_stream]]` a stream that finishes with `content_filter`;
/// - `[[slow]]` a ≥ 60-word answer at `slowChunkDelay`; `[[hang]]` headers and the first event, then
///   nothing until the client goes away;
/// - `[[say:TEXT]]` answers exactly TEXT; `[[garbage]]` adds an unparseable event mid-stream;
///   `[[no_done]]` ends without `[DONE]`; `[[replay:NAME]]` replays a `RecordedStream` verbatim.
/// - `[[retry_after:V]]` / `[[retry_after_ms:V]]` send exactly these header values with a `[[status:…]]`
///   answer; `[[location:URL]]` adds a `Location` (redirects); `[[body:NAME]]` picks the error body;
///   `[[huge_event:BYTES:LINES]]` sends one oversized event mid-stream; `[[finish:REASON]]` sets the
///   finish reason.
/// - `[[reset]]` drops the connection after a few words; `[[stream_error]]` sends an `error` event after
///   a few words; `[[head_delay:MS]]` waits before the response head; `[[not_sse]]` answers a streaming
///   request with a plain JSON completion.
/// Before that: unknown path or api-version → 404 Resource not found; wrong/missing key → 401
/// gateway body; rejected bearer token → 401 bare body; unknown deployment → 404 DeploymentNotFound;
/// `stream_options` on an api-version older than 2024-09-01-preview → 400 Unrecognized argument.
struct FakeAzureOpenAIResponder: Sendable {
    let options: FakeAzureOpenAI.Options
    let recorder: FakeAzureOpenAIRecorder

    private struct RequestBody: Decodable {
        var model: String?
        var messages: [FakeAzureOpenAI.Message]?
        var temperature: Double?
        var stream: Bool?
        var stream_options: StreamOptions?
        struct StreamOptions: Decodable { var include_usage: Bool? }
    }

    func respond(to request: Request, context: some RequestContext) async throws -> Response {
        let target = request.head.path ?? "/"
        let rawPath = String(target.split(separator: "?", maxSplits: 1).first ?? "/")
        let query = target.firstIndex(of: "?").map { String(target[target.index(after: $0)...]) }
        // collectBody (not body.collect) keeps the collected body on the request, which
        // consumeWithCancellationOnInboundClose needs later: on a consumed channel body it traps
        // when the client disconnects (Hummingbird 2.28.1).
        var request = request
        let bodyBuffer = try await request.collectBody(upTo: 4 << 20)
        let body = try? JSONDecoder().decode(RequestBody.self, from: Data(bodyBuffer.readableBytesView))

        var record = FakeAzureOpenAI.RecordedRequest(
            id: 0, method: request.method.rawValue, path: rawPath, query: query,
            apiVersion: Self.queryItem("api-version", in: query), deployment: nil, model: body?.model,
            messages: body?.messages ?? [], temperature: body?.temperature, stream: body?.stream,
            streamOptionsSent: body?.stream_options != nil, includeUsage: body?.stream_options?.include_usage,
            authKind: .none, bearerToken: nil, apiKey: nil,
            clientRequestID: request.headers[Self.field("x-ms-client-request-id")],
            status: 200, cancelled: false, completed: false, receivedAt: Date())

        // Route: classic (deployment in the path, api-version required) or v1 (deployment in `model`).
        let segments = rawPath.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        if segments.count == 6, segments[1] == "openai", segments[2] == "deployments",
            segments[4] == "chat", segments[5] == "completions"
        {
            record.deployment = segments[3].removingPercentEncoding ?? segments[3]
            guard let version = record.apiVersion, FakeAzureOpenAIWire.isKnownAPIVersion(version) else {
                return await finish(record, status: 404, body: FakeAzureOpenAIWire.resourceNotFoundBody)
            }
        } else if rawPath == "/openai/v1/chat/completions" {
            record.deployment = body?.model
        } else {
            return await finish(record, status: 404, body: FakeAzureOpenAIWire.resourceNotFoundBody)
        }

        // Authentication (api-key wins when both headers are present, as Azure does).
        if let key = request.headers[Self.field("api-key")] {
            record.authKind = .apiKey
            record.apiKey = key
            if let expected = options.apiKey, key != expected {
                return await finish(record, status: 401, body: FakeAzureOpenAIWire.invalidKeyBody)
            }
        } else if let authorization = request.headers[.authorization], authorization.lowercased().hasPrefix("bearer ") {
            let token = String(authorization.dropFirst("bearer ".count))
            record.authKind = .bearer
            record.bearerToken = token
            if let validator = options.bearerTokenValidator, !validator(token) {
                return await finish(record, status: 401, body: FakeAzureOpenAIWire.invalidTokenBody)
            }
            if let denial = options.permissionDenial(bearerToken: token, path: rawPath) {
                return await finish(record, status: 401, body: denial)
            }
        } else if options.apiKey != nil || options.bearerTokenValidator != nil {
            return await finish(record, status: 401, body: FakeAzureOpenAIWire.invalidKeyBody)
        }

        guard let deployment = record.deployment, options.deployments.contains(deployment) else {
            return await finish(record, status: 404, body: FakeAzureOpenAIWire.deploymentNotFoundBody)
        }
        guard let body, let messages = body.messages, !messages.isEmpty else {
            return await finish(record, status: 400,
                                body: FakeAzureOpenAIWire.invalidRequestBody("The request body is not a chat completions request with messages."))
        }
        if record.streamOptionsSent && !FakeAzureOpenAIWire.supportsStreamOptions(apiVersion: record.apiVersion) {
            return await finish(record, status: 400, body: FakeAzureOpenAIWire.unrecognizedArgumentBody("stream_options"))
        }

        let house = await recorder.directives
        let asked = messages.last { $0.role == "user" }?.content ?? ""
        let lastUser = house.isEmpty ? asked : asked + " " + house
        var directives = FakeAzureOpenAIDirectives(parsing: lastUser)
        if await recorder.nextIsRateLimited(every: options.rateLimitEvery) { directives.status = (429, nil) }
        if let status = directives.status {
            let fail: Bool
            if let count = status.count {
                fail = await recorder.shouldFail(message: lastUser, count: count)
            } else {
                fail = true
            }
            if fail {
                return await finish(record, status: status.code,
                                    body: FakeAzureOpenAIWire.body(named: directives.body) ?? FakeAzureOpenAIWire.body(forStatus: status.code),
                                    scripted: directives)
            }
        }
        if directives.contentFilter {
            return await finish(record, status: 400, body: FakeAzureOpenAIWire.contentFilterBody)
        }
        if directives.contextLength {
            return await finish(record, status: 400, body: FakeAzureOpenAIWire.contextLengthBody)
        }

        if let milliseconds = directives.headDelayMilliseconds {
            try await Task.sleep(for: .milliseconds(milliseconds))
        }
        let plan = FakeAzureOpenAIAnswerPlan(
            directives: directives, messages: messages, options: options,
            includeUsage: body.stream_options?.include_usage == true)
        if body.stream != true || directives.notEventStream {
            return await finish(record, status: 200, body: plan.nonStreamingBody(), contentType: "application/json")
        }
        return await streamingResponse(record, plan: plan, request: request)
    }

    // MARK: Responses

    private static func requestIDHeaders() -> HTTPFields {
        let id = UUID().uuidString.lowercased()
        return [Self.field("apim-request-id"): id, Self.field("x-request-id"): id,
                Self.field("x-ms-region"): "Fake Loopback"]
    }

    /// Records and returns a complete (non-streamed) response.
    private func finish(_ record: FakeAzureOpenAI.RecordedRequest, status: Int, body: String,
                        contentType: String = "application/json", scripted: FakeAzureOpenAIDirectives? = nil) async -> Response {
        var record = record
        record.status = status
        record.completed = true
        _ = await recorder.add(record)
        var headers = Self.requestIDHeaders()
        headers[.contentType] = contentType
        if let scripted, scripted.retryAfter != nil || scripted.retryAfterMilliseconds != nil {
            if let value = scripted.retryAfterMilliseconds { headers[Self.field("retry-after-ms")] = value }
            if let value = scripted.retryAfter { headers[Self.field("retry-after")] = value }
        } else if status == 429 {
            let milliseconds = options.rateLimitRetryAfterMilliseconds
            headers[Self.field("retry-after-ms")] = String(milliseconds)
            headers[Self.field("retry-after")] = String((milliseconds + 999) / 1000)
        }
        if let location = scripted?.location {
            headers[.location] = location
        }
        return Response(status: .init(code: status), headers: headers, body: .init(byteBuffer: ByteBuffer(string: body)))
    }

    private func streamingResponse(_ record: FakeAzureOpenAI.RecordedRequest, plan: FakeAzureOpenAIAnswerPlan,
                                   request: Request) async -> Response {
        let id = await recorder.add(record)
        let recorder = self.recorder
        var headers = Self.requestIDHeaders()
        headers[.contentType] = "text/event-stream; charset=utf-8"
        headers[.cacheControl] = "no-cache, must-revalidate"
        let writes = plan.writes()
        let watchInbound = plan.directives.slow || writes.contains { if case .hang = $0 { true } else { false } }
        return Response(status: .ok, headers: headers, body: ResponseBody { writer in
            do {
                if watchInbound {
                    // Hanging and slow streams (the ones cancellation tests use) watch the inbound side, so
                    // they notice a departed client at once; Hummingbird then closes the connection after
                    // the response. Other streams notice at their next write and keep the connection alive
                    // for reuse, like Azure.
                    try await request.body.consumeWithCancellationOnInboundClose { _ in
                        try await Self.perform(writes, on: &writer, recorder: recorder)
                    }
                } else {
                    try await Self.perform(writes, on: &writer, recorder: recorder)
                }
                try await writer.finish(nil)
            } catch let error as FakeConnectionReset {
                throw error  // the fake's own doing: neither completed nor cancelled by the client
            } catch {
                await recorder.update(id) { $0.cancelled = true }
                throw error
            }
            await recorder.update(id) { $0.completed = true }
        })
    }

    private static func perform(_ writes: [FakeAzureOpenAIAnswerPlan.Write], on writer: inout any ResponseBodyWriter,
                                recorder: FakeAzureOpenAIRecorder) async throws {
        for write in writes {
            switch write {
            case .bytes(let text, let delay):
                if delay > .zero { try await Task.sleep(for: delay) }
                try await writer.write(ByteBuffer(string: text))
            case .reset:
                // Give the client a moment to read the words already written: dropped at once, a
                // loaded machine could lose them with the connection, and the client would rightly
                // treat the answer as never started (a CI run failed that way, 2026-11-30).
                try await Task.sleep(for: .milliseconds(100))
                throw FakeConnectionReset()
            case .forever(let text):
                let buffer = ByteBuffer(string: String(repeating: text, count: 16))
                while await !recorder.isShuttingDown {
                    try await writer.write(buffer)
                }
                throw CancellationError()
            case .hang:
                while await !recorder.isShuttingDown {
                    try await Task.sleep(for: .milliseconds(50))
                }
                throw CancellationError()
            }
        }
    }

    /// `HTTPField` itself is not re-exported by Hummingbird; reach its `Name` through `HTTPFields`.
    static func field(_ name: String) -> HTTPFields.Element.Name {
        HTTPFields.Element.Name(name)!
    }

    static func queryItem(_ name: String, in query: String?) -> String? {
        for pair in (query ?? "").split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            if parts.first.map(String.init)?.removingPercentEncoding == name {
                let value = parts.count > 1 ? String(parts[1]) : ""
                return value.replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? value
            }
        }
        return nil
    }
}

/// Thrown by the response writer to drop the connection mid-stream (`[[reset]]`).
struct FakeConnectionReset: Error {}

import Foundation

/// The bytes the fake sends: stream events shaped like the recorded Azure streams and the error bodies
/// catalogued in the reference (verbatim where a real body was captured; the source is named).
enum FakeAzureOpenAIWire {
    static let model = "gpt-4o-2024-08-06"

    // MARK: Stream events (shapes from the quarkus gpt-4o and enochsit gpt-4.1 recordings, 2025)

    static let safeFilterResults =
        #"{"hate":{"filtered":false,"severity":"safe"},"self_harm":{"filtered":false,"severity":"safe"},"sexual":{"filtered":false,"severity":"safe"},"violence":{"filtered":false,"severity":"safe"}}"#

    static let promptFilterEvent =
        #"{"choices":[],"created":0,"id":"","model":"","object":"","prompt_filter_results":[{"prompt_index":0,"content_filter_results":{"hate":{"filtered":false,"severity":"safe"},"jailbreak":{"filtered":false,"detected":false},"self_harm":{"filtered":false,"severity":"safe"},"sexual":{"filtered":false,"severity":"safe"},"violence":{"filtered":false,"severity":"safe"}}}]}"#

    static func roleEvent(id: String, created: Int) -> String {
        chunk(id: id, created: created, filterResults: "{}", delta: #"{"content":"","refusal":null,"role":"assistant"}"#, finishReason: nil)
    }

    static func contentEvent(_ text: String, id: String, created: Int) -> String {
        chunk(id: id, created: created, filterResults: safeFilterResults, delta: #"{"content":\#(jsonString(text))}"#, finishReason: nil)
    }

    static func finishEvent(reason: String, id: String, created: Int, filterResults: String = "{}") -> String {
        chunk(id: id, created: created, filterResults: filterResults, delta: "{}", finishReason: reason)
    }

    /// An asynchronous-filter annotation: no `delta`, empty id/model, offsets (semantic-kernel recording, 2024-08).
    static func annotationEvent(endOffset: Int) -> String {
        #"{"choices":[{"content_filter_offsets":{"check_offset":0,"start_offset":0,"end_offset":\#(endOffset)},"content_filter_results":\#(safeFilterResults),"finish_reason":null,"index":0}],"created":0,"id":"","model":"","object":""}"#
    }

    /// The `include_usage` event: `choices: []`, real id, usage (JP observation record, 2026).
    static func usageEvent(id: String, created: Int, promptTokens: Int, completionTokens: Int) -> String {
        #"{"choices":[],"created":\#(created),"id":"\#(id)","model":"\#(model)","object":"chat.completion.chunk","system_fingerprint":"fp_fake","usage":{"completion_tokens":\#(completionTokens),"completion_tokens_details":{"accepted_prediction_tokens":0,"audio_tokens":0,"reasoning_tokens":0,"rejected_prediction_tokens":0},"prompt_tokens":\#(promptTokens),"prompt_tokens_details":{"audio_tokens":0,"cached_tokens":0},"total_tokens":\#(promptTokens + completionTokens)}}"#
    }

    /// A payload that is not JSON (like the line-wrapped event of the docs' blocked-stream sample).
    static let garbageEvent = #"{"choices":[{"delta":{"content":"this event is cut off"#

    /// A mid-stream error event; openai-python raises on any event with an `error` key (not observed
    /// from Azure chat, so the wording is invented in the service shape).
    static let streamErrorEvent =
        #"{"error":{"message":"The server had an error while processing your request.","type":"server_error","param":null,"code":"server_error"}}"#

    static let violenceFilteredResults =
        #"{"hate":{"filtered":false,"severity":"safe"},"self_harm":{"filtered":false,"severity":"safe"},"sexual":{"filtered":false,"severity":"safe"},"violence":{"filtered":true,"severity":"medium"}}"#

    static func sse(_ payload: String) -> String { "data: \(payload)\n\n" }
    static let done = "data: [DONE]\n\n"

    private static func chunk(id: String, created: Int, filterResults: String, delta: String, finishReason: String?) -> String {
        let finish = finishReason.map(jsonString) ?? "null"
        return #"{"choices":[{"content_filter_results":\#(filterResults),"delta":\#(delta),"finish_reason":\#(finish),"index":0,"logprobs":null}],"created":\#(created),"id":"\#(id)","model":"\#(model)","object":"chat.completion.chunk","system_fingerprint":"fp_fake"}"#
    }

    static func jsonString(_ text: String) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .withoutEscapingSlashes
        return (try? String(decoding: encoder.encode(text), as: UTF8.self)) ?? "\"\""
    }

    // MARK: Error bodies

    /// 400 content_filter with innererror (microsoft/TinyTroupe#85, api-version 2024-10-21, 2025-01).
    static let contentFilterBody =
        #"{"error":{"message":"The response was filtered due to the prompt triggering Azure OpenAI's content management policy. Please modify your prompt and retry. To learn more about our content filtering policies please read our documentation: https://go.microsoft.com/fwlink/?linkid=2198766","type":null,"param":"prompt","code":"content_filter","status":400,"innererror":{"code":"ResponsibleAIPolicyViolation","content_filter_result":{"hate":{"filtered":false,"severity":"safe"},"jailbreak":{"filtered":true,"detected":true},"self_harm":{"filtered":false,"severity":"safe"},"sexual":{"filtered":false,"severity":"safe"},"violence":{"filtered":false,"severity":"safe"}}}}}"#

    /// 400 context_length_exceeded (assafelovic/gpt-researcher#680, Azure gpt-4o, 2024-07).
    static let contextLengthBody =
        #"{"error":{"message":"This model's maximum context length is 128000 tokens. However, your messages resulted in 192041 tokens. Please reduce the length of the messages.","type":"invalid_request_error","param":"messages","code":"context_length_exceeded"}}"#

    /// 400 for a member the api-version does not know (langchain-ai/langchain#23552, 2024-06).
    static func unrecognizedArgumentBody(_ name: String) -> String {
        #"{"error":{"message":"Unrecognized request argument supplied: \#(name)","type":"invalid_request_error","param":null,"code":null}}"#
    }

    /// 400 for a body that is not a chat request (wording invented; shape of the service family).
    static func invalidRequestBody(_ message: String) -> String {
        #"{"error":{"message":\#(jsonString(message)),"type":"invalid_request_error","param":null,"code":null}}"#
    }

    /// 401 wrong or missing api-key, gateway body (SciSharp/BotSharp#386, 224 bytes).
    static let invalidKeyBody =
        #"{"error":{"code":"401","message":"Access denied due to invalid subscription key or wrong API endpoint. Make sure to provide a valid key for an active subscription and use a correct regional API endpoint for your resource."}}"#

    /// 401 bad/expired/wrong-audience Entra token, bare shape (run-llama/llama_index#12484).
    static let invalidTokenBody =
        #"{"statusCode": 401, "message": "Unauthorized. Access token is missing, invalid, audience is incorrect (https://cognitiveservices.azure.com), or have expired."}"#

    /// 401 valid token without the data-plane role (microsoft/PromptWizard#18, 2024-12).
    static let permissionDeniedBody =
        #"{"error":{"code":"PermissionDenied","message":"Principal does not have access to API/Operation."}}"#

    /// 403 network rules (Azure-Samples/azure-sql-db-chatbot#3, 90 bytes, note the space).
    static let firewallBody = #"{"error":{"code":"403","message": "Access denied due to Virtual Network/Firewall rules."}}"#

    /// 404 unknown deployment (chatboxai/chatbox#861).
    static let deploymentNotFoundBody =
        #"{"error":{"code":"DeploymentNotFound","message":"The API deployment for this resource does not exist. If you created the deployment within the last 5 minutes, please wait a moment and try again."}}"#

    /// 404 wrong path or missing/unknown api-version (rusiaaman/chat.md#2).
    static let resourceNotFoundBody = #"{"error":{"code":"404","message": "Resource not found"}}"#

    /// 429 short form (microsoft/copilot-camp#551, 2025-04).
    static let rateLimitBody = #"{"error":{"code":"429","message": "Rate limit is exceeded. Try again in 2 seconds."}}"#

    /// 500 service error (Azure-Samples/azure-search-openai-demo#1390, 2024-03).
    static let serverErrorBody =
        #"{ "error": { "message": "The server had an error while processing your request. Sorry about that! You can retry your request, or contact us through an Azure support request at: https://go.microsoft.com/fwlink/?linkid=2213926 if the error persists. (Please include the request ID 6d6321f8-e4aa-4a77-9aa0-67868802d7ca in your message.)", "type": "server_error", "param": null, "code": null } }"#

    /// No real Azure chat 503 body was found (reference §6.2); this one is invented in the service shape.
    static let unavailableBody =
        #"{"error":{"message":"The service is temporarily unavailable. Please retry your request.","type":"server_error","param":null,"code":"server_error"}}"#

    /// The body named by `[[body:NAME]]`, nil for an unknown name.
    static func body(named name: String?) -> String? {
        switch name {
        case "invalid_token": invalidTokenBody
        case "invalid_key": invalidKeyBody
        case "permission_denied": permissionDeniedBody
        default: nil
        }
    }

    /// `[[huge_event:BYTES:LINES]]`: one event of about BYTES bytes over LINES `data:` lines. Joined
    /// with "\n" the lines are valid JSON (a delta "big" and a `padding` array of strings), so a
    /// client without a size limit would take it as an ordinary event.
    static func hugeEvent(bytes: Int, lines: Int, id: String, created: Int) -> String {
        let filler = "\"" + String(repeating: "x", count: max(1, bytes / max(1, lines))) + "\""
        var text = "data: " + #"{"choices":[{"delta":{"content":" big"},"index":0}],"id":"\#(id)","created":\#(created),"padding":["#
        for index in 0..<lines {
            text += (index == 0 ? "" : ",\ndata: ") + filler
        }
        return text + "]}\n\n"
    }

    /// The body for `[[status:NNN]]`.
    static func body(forStatus status: Int) -> String {
        switch status {
        case 400: unrecognizedArgumentBody("fake_argument")
        case 401: permissionDeniedBody
        case 403: firewallBody
        case 404: deploymentNotFoundBody
        case 429: rateLimitBody
        case 500: serverErrorBody
        case 501...599: unavailableBody
        default: #"{"error":{"code":"\#(status)","message":"Fake Azure OpenAI answered \#(status) as asked."}}"#
        }
    }

    /// Whether `stream_options` is known to the api-version (same rule as the client, from the
    /// api-version-lifecycle changelog: 2024-09-01-preview on, GA from 2024-10-21, v1).
    static func supportsStreamOptions(apiVersion: String?) -> Bool {
        guard let version = apiVersion?.lowercased() else { return true }  // v1 route
        if version == "v1" || version == "preview" || version == "latest" { return true }
        let parts = version.split(separator: "-").map(String.init)
        guard parts.count >= 3, let year = Int(parts[0]), let month = Int(parts[1]), let day = Int(parts[2]) else { return false }
        let date = year * 10_000 + month * 100 + day
        return parts.count > 3 ? date >= 2024_09_01 : date >= 2024_10_21
    }

    /// A dated api-version (`yyyy-mm-dd` or `yyyy-mm-dd-preview`) or `v1`/`preview`/`latest`; anything
    /// else gets Azure's 404 "Resource not found".
    static func isKnownAPIVersion(_ version: String) -> Bool {
        let lower = version.lowercased()
        if ["v1", "preview", "latest"].contains(lower) { return true }
        return lower.wholeMatch(of: #/\d{4}-\d{2}-\d{2}(-preview)?/#) != nil
    }
}

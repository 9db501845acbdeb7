import NIOCore
import ParleyChat
import ParleyOutbound

/// The two answer objects of `/ask` — the JSON reply and the `done` event's payload — written straight
/// into a `ByteBuffer`. A `JSONEncoder` per answer was 2.7 % of all CPU under `make bench`'s load
/// (perf, 2026-11-29). Keys are in sorted order and `usage` is an explicit null when unknown, as
/// `JSONResponse.encode` writes them, so the bytes are the same as before.
enum AnswerJSON {
    /// `{"answer":…,"citations":[…],"deployment":…,"finish_reason":…,"session_id":…,"usage":…}`;
    /// `citations` only when documents are configured (nil leaves the key out, so an answer without
    /// documents is byte for byte what it was before issue 14).
    static func reply(
        sessionID: String, answer: String, deployment: String, usage: ChatUsage?, finishReason: String?, citations: [Citation]? = nil
    ) -> ByteBuffer {
        var buffer = ByteBuffer()
        buffer.reserveCapacity(answer.utf8.count + 192)
        buffer.writeStaticString("{\"answer\":")
        JSONStringEscaping.write(answer, to: &buffer)
        if let citations {
            buffer.writeStaticString(",\"citations\":")
            CitationJSON.writeList(citations, to: &buffer)
        }
        buffer.writeStaticString(",\"deployment\":")
        JSONStringEscaping.write(deployment, to: &buffer)
        buffer.writeStaticString(",\"finish_reason\":")
        writeOptional(finishReason, to: &buffer)
        buffer.writeStaticString(",\"session_id\":")
        JSONStringEscaping.write(sessionID, to: &buffer)
        buffer.writeStaticString(",\"usage\":")
        writeUsage(usage, to: &buffer)
        buffer.writeStaticString("}")
        return buffer
    }

    /// `{"answer":…,"finish_reason":…,"usage":…}`, appended to `buffer`.
    static func writeDone(answer: String, usage: ChatUsage?, finishReason: String?, to buffer: inout ByteBuffer) {
        buffer.writeStaticString("{\"answer\":")
        JSONStringEscaping.write(answer, to: &buffer)
        buffer.writeStaticString(",\"finish_reason\":")
        writeOptional(finishReason, to: &buffer)
        buffer.writeStaticString(",\"usage\":")
        writeUsage(usage, to: &buffer)
        buffer.writeStaticString("}")
    }

    private static func writeOptional(_ string: String?, to buffer: inout ByteBuffer) {
        if let string { JSONStringEscaping.write(string, to: &buffer) } else { buffer.writeStaticString("null") }
    }

    private static func writeUsage(_ usage: ChatUsage?, to buffer: inout ByteBuffer) {
        guard let usage else {
            buffer.writeStaticString("null")
            return
        }
        buffer.writeString(
            "{\"completion_tokens\":\(usage.completionTokens),\"prompt_tokens\":\(usage.promptTokens),\"total_tokens\":\(usage.totalTokens)}")
    }
}

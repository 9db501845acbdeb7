import Foundation
import NIOCore
import ParleyOutbound
import ParleyChat

/// One event of Parley's `/ask` stream, rendered in the SSE wire format.
enum AnswerStreamEvent {
    case session(sessionID: String, deployment: String)
    /// The numbered passages the answer draws on, sent before the first delta (issue 14).
    case citations([Citation])
    case delta(String)
    case done(answer: String, usage: ChatUsage?, finishReason: String?)
    case error(code: String, message: String, retryAfter: Int?, requestID: String?)
    /// A comment line that keeps idle proxies and load balancers from closing the stream.
    case ping

    var buffer: ByteBuffer {
        switch self {
        case .session(let id, let deployment):
            return Self.event("session", SessionPayload(session_id: id, deployment: deployment))
        case .citations(let citations):
            var buffer = ByteBuffer()
            buffer.writeStaticString("event: citations\ndata: {\"citations\":")
            CitationJSON.writeList(citations, to: &buffer)
            buffer.writeStaticString("}\n\n")
            return buffer
        case .delta(let text):
            // The hot path (one event per token): written directly, without a JSONEncoder.
            var buffer = ByteBuffer()
            buffer.reserveCapacity(text.utf8.count + 40)
            buffer.writeStaticString("event: delta\ndata: {\"text\":")
            JSONStringEscaping.write(text, to: &buffer)
            buffer.writeStaticString("}\n\n")
            return buffer
        case .done(let answer, let usage, let finishReason):
            var buffer = ByteBuffer()
            buffer.reserveCapacity(answer.utf8.count + 128)
            buffer.writeStaticString("event: done\ndata: ")
            AnswerJSON.writeDone(answer: answer, usage: usage, finishReason: finishReason, to: &buffer)
            buffer.writeStaticString("\n\n")
            return buffer
        case .error(let code, let message, let retryAfter, let requestID):
            return Self.event("error", ErrorPayload(code: code, message: message, retry_after: retryAfter, request_id: requestID))
        case .ping:
            return ByteBuffer(string: ": ping\n\n")
        }
    }

    private static func event(_ name: String, _ payload: some Encodable) -> ByteBuffer {
        // JSON never contains a raw newline, so one `data:` line per event is always enough.
        var buffer = ByteBuffer(string: "event: \(name)\ndata: ")
        buffer.writeBytes(JSONResponse.encode(payload))
        buffer.writeString("\n\n")
        return buffer
    }

    private struct SessionPayload: Encodable { let session_id: String; let deployment: String }
    /// `retry_after` (seconds) only on `rate_limited`, where a stream has no Retry-After header to carry it.
    private struct ErrorPayload: Encodable { let code: String; let message: String; let retry_after: Int?; let request_id: String? }
}

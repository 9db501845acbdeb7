import Hummingbird
import Logging
import NIOCore
import ParleyOutbound
import ParleyChat

/// The event stream of one answer: `session`, then `delta`s as they arrive, then exactly one of
/// `done` or `error`, with a `: ping` comment at every ping interval.
///
/// Three tasks meet in one ordered queue of rendered frames: the answer's producer, the pinger, and
/// the writer (this body closure) which owns the connection and sends whatever is waiting at once. A client that goes away is noticed either by its
/// connection closing or by a failed write; both cancel the producer, which cancels the upstream
/// request and keeps the part of the answer that was delivered.
struct AnswerStream: Sendable {
    let pending: PendingAnswer
    let channel: any Channel
    let record: RequestRecord?
    let pingInterval: Duration
    /// The admission slot this answer holds; released when the stream ends, however it ends.
    let slot: AnswerAdmission.Slot
    let requestID: String
    let logger: Logger

    func response() -> Response {
        var headers: HTTPFields = [:]
        headers[.contentType] = "text/event-stream; charset=utf-8"
        headers[.cacheControl] = "no-cache, no-transform"
        headers[.xAccelBuffering] = "no"
        headers[.xSessionID] = pending.sessionID.rawValue
        let slot = self.slot
        return Response(status: .ok, headers: headers, body: ResponseBody { writer in
            defer { slot.release() }
            try await stream(to: &writer)
            try await writer.finish(nil)
        })
    }

    private func stream(to writer: inout any ResponseBodyWriter) async throws {
        let queue = FrameQueue()
        let pending = self.pending
        let record = self.record
        let interval = pingInterval
        let channel = self.channel
        let (requestID, logger) = (self.requestID, self.logger)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                queue.push(AnswerStreamEvent.session(sessionID: pending.sessionID.rawValue, deployment: pending.deployment).buffer)
                do {
                    let answer = try await ClientDisconnect.cancelling(on: channel) {
                        try await pending.run { text in queue.push(AnswerStreamEvent.delta(text).buffer) }
                    }
                    record?.usage = answer.usage
                    record?.outcome = "done"
                    queue.push(AnswerStreamEvent.done(answer: answer.text, usage: answer.usage, finishReason: answer.finishReason).buffer)
                } catch is CancellationError {
                    record?.outcome = "stopped"
                } catch {
                    let mapped = APIError.from(error)
                    record?.outcome = mapped.code
                    mapped.log(to: logger)
                    queue.push(AnswerStreamEvent.error(
                        code: mapped.code, message: mapped.message, retryAfter: mapped.retryAfterSeconds, requestID: requestID).buffer)
                }
                queue.finish()
            }
            group.addTask {
                while true {
                    try await TimerSleep.sleep(for: interval)
                    queue.push(AnswerStreamEvent.ping.buffer)
                }
            }
            while let frames = await queue.next() {
                try await writer.write(frames)
            }
            group.cancelAll()
        }
    }
}

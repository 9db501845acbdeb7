import Hummingbird
import Logging
import NIOCore
import ParleyOutbound
import ParleyChat
import Synchronization

/// The event stream of one answer: `session`, then `citations` (with documents configured), then `delta`s as they arrive, then exactly one of
/// `done` or `error`, with a `: ping` comment at every ping interval.
///
/// The answer's producer task and a ping timer fill one ordered queue of rendered frames; the writer
/// (this body closure) owns the connection and sends whatever is waiting at once. A client that goes away is noticed either by its
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
        let (pending, record, requestID, logger) = (self.pending, self.record, self.requestID, self.logger)
        queue.push(AnswerStreamEvent.session(sessionID: pending.sessionID.rawValue, deployment: pending.deployment).buffer)
        // The producer is one task, cancelled when the client's connection closes, when a write
        // fails or when this handler is cancelled; pings come from a timer, not from a task.
        let producer = Task {
            do {
                let answer = try await pending.run(
                    onDelta: { text in queue.push(AnswerStreamEvent.delta(text).buffer) },
                    onCitations: { citations in queue.push(AnswerStreamEvent.citations(citations).buffer) })
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
        let watch = ConnectionWatch.of(channel)
        let ticket = watch.add { producer.cancel() }
        let pinger = Pinger(every: pingInterval, into: queue)
        defer {
            pinger.stop()
            watch.remove(ticket)
        }
        do {
            try await withTaskCancellationHandler {
                while let frames = await queue.next() {
                    try await writer.write(frames)
                }
            } onCancel: {
                producer.cancel()
            }
        } catch {
            producer.cancel()
            await producer.value
            throw error
        }
        await producer.value
    }
}

/// Puts a `: ping` frame in the queue at every interval until stopped: a `TimerWheel` timer that
/// sets the next one when it fires, so a waiting stream holds no task and no sleep.
private final class Pinger: Sendable {
    private struct State {
        var ticket: TimerWheel.Ticket?
        var stopped = false
    }

    private let state = Mutex(State())
    private let interval: Duration
    private let queue: FrameQueue

    init(every interval: Duration, into queue: FrameQueue) {
        self.interval = interval
        self.queue = queue
        scheduleNext()
    }

    func stop() {
        let ticket = state.withLock { state in
            state.stopped = true
            return state.ticket.take()
        }
        if let ticket { TimerWheel.shared.cancel(ticket) }
    }

    private func scheduleNext() {
        let ticket = TimerWheel.shared.schedule(after: interval) { [self] in
            queue.push(AnswerStreamEvent.ping.buffer)
            scheduleNext()
        }
        // Stopped while this timer was being set (or while the last one fired): forget it.
        let stopped = state.withLock { state -> Bool in
            if state.stopped { return true }
            state.ticket = ticket
            return false
        }
        if stopped { TimerWheel.shared.cancel(ticket) }
    }
}

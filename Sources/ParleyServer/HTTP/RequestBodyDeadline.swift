import Hummingbird
import NIOCore
import ParleyOutbound

/// Reads a request body within a time limit. When the limit passes, the connection's input is
/// shut: the read ends at once (Hummingbird's body iterator sees the end of input, so nothing is
/// left reading it when Hummingbird drains the connection after the response), and the client
/// gets 408 on a connection that then closes.
enum RequestBodyDeadline {
    struct Passed: Error {}

    static func collect(_ request: Request, upTo maxBytes: Int, within limit: Duration, channel: any Channel) async throws -> ByteBuffer {
        let timedOut = Deadline.PassedFlag()
        // A wheel timer, not a task sleeping: no task and no event-loop wake-up per request.
        let timer = TimerWheel.shared.schedule(after: limit) {
            timedOut.set()
            channel.close(mode: .input, promise: nil)
        }
        defer { TimerWheel.shared.cancel(timer) }
        var request = request
        do {
            let body = try await request.collectBody(upTo: maxBytes)
            if timedOut.isSet { throw Passed() }
            return body
        } catch {
            if timedOut.isSet { throw Passed() }
            throw error
        }
    }
}

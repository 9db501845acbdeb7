import Hummingbird
import Logging
import NIOCore

/// A client that closed its connection before its answer: logged at debug and counted as 499
/// (nginx's "client closed request"), never as a 500.
struct ClientGone: Error {
    static let status = HTTPResponse.Status(code: 499, reasonPhrase: "Client Closed Request")

    /// Rethrows a cancellation caused by the client's connection closing as `ClientGone`.
    static func translating<Value>(on channel: any Channel, _ work: () async throws -> Value) async throws -> Value {
        do {
            return try await work()
        } catch is CancellationError where !channel.isActive || ConnectionWatch.of(channel).clientHasLeft {
            throw ClientGone()
        }
    }
}

extension APIError {
    /// The log line an operator reads for an error a client saw: the code, the plain message the
    /// client got, and the detail it did not (request id and route come from the logger's metadata).
    func log(to logger: Logger) {
        guard let detail else { return }
        let level: Logger.Level = status.code >= 500 ? .error : .info
        logger.log(level: level, "request failed", metadata: ["code": "\(code)", "detail": "\(detail)"])
    }
}

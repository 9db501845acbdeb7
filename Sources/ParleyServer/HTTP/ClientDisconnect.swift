import NIOCore

/// Runs work for a client and cancels it when the client's connection closes, so a question
/// whose asker left stops the upstream request at once (the handler itself is not cancelled by
/// Hummingbird, and a streaming loop would only notice at its next write).
///
/// Hummingbird's `consumeWithCancellationOnInboundClose` does the same, but closes the connection
/// after every response, which breaks keep-alive for curl and browsers; watching the channel's
/// close keeps the connection reusable.
enum ClientDisconnect {
    static func cancelling<Value: Sendable>(
        on channel: any Channel, _ work: @escaping @Sendable () async throws -> Value
    ) async throws -> Value {
        let task = Task { try await work() }
        channel.closeFuture.whenComplete { _ in task.cancel() }
        return try await withTaskCancellationHandler {
            try await task.value
        } onCancel: {
            task.cancel()
        }
    }
}

import NIOCore
import Synchronization

/// Runs work for a client and cancels it when the client's connection closes, so a question
/// whose asker left stops the upstream request at once (the handler itself is not cancelled by
/// Hummingbird, and a streaming loop would only notice at its next write).
///
/// Hummingbird's `consumeWithCancellationOnInboundClose` does the same, but closes the connection
/// after every response, which breaks keep-alive for curl and browsers. Watching the channel's
/// close keeps the connection reusable; the watch is registered once per connection, and each
/// request's work leaves it when the request ends, so nothing of a finished request stays
/// referenced on a keep-alive connection that lives for hours behind an ingress.
enum ClientDisconnect {
    static func cancelling<Value: Sendable>(
        on channel: any Channel, _ work: @escaping @Sendable () async throws -> Value
    ) async throws -> Value {
        let task = Task { try await work() }
        let watch = ConnectionWatch.of(channel)
        let ticket = watch.add { task.cancel() }
        defer { watch.remove(ticket) }
        return try await withTaskCancellationHandler {
            try await task.value
        } onCancel: {
            task.cancel()
        }
    }
}

/// The in-flight work of one connection, cancelled when the connection closes.
final class ConnectionWatch: Sendable {
    private struct State {
        var nextTicket = 0
        var cancellers: [Int: @Sendable () -> Void] = [:]
        var closed = false
    }

    private let state = Mutex(State())

    /// Every open connection's watch, keyed by the channel's identity; an entry leaves when its
    /// connection closes.
    private static let watches = Mutex<[ObjectIdentifier: ConnectionWatch]>([:])

    /// The channel's watch, made (with its one close callback) on the connection's first request.
    static func of(_ channel: any Channel) -> ConnectionWatch {
        let key = ObjectIdentifier(channel)
        let (watch, isNew) = watches.withLock { watches -> (ConnectionWatch, Bool) in
            if let watch = watches[key] { return (watch, false) }
            let watch = ConnectionWatch()
            watches[key] = watch
            return (watch, true)
        }
        if isNew {
            channel.closeFuture.whenComplete { _ in
                _ = watches.withLock { $0.removeValue(forKey: key) }
                watch.close()
            }
        }
        return watch
    }

    /// The client closed its side: its in-flight work is cancelled, and so is any work registered later.
    static func clientLeft(_ channel: any Channel) {
        of(channel).close()
    }

    /// The watches of open connections (for tests: a closed connection leaves no entry).
    static var watchedConnectionsForTesting: [ConnectionWatch] { watches.withLock { Array($0.values) } }

    /// Work registered and not yet removed (for tests: a finished request leaves nothing).
    var pendingWork: Int { state.withLock { $0.cancellers.count } }

    /// The client has left (its side closed, or the whole connection).
    var clientHasLeft: Bool { state.withLock { $0.closed } }

    /// Work registered over the connection's life.
    var workServed: Int { state.withLock { $0.nextTicket } }

    /// Registers a canceller; when the connection is already closed, it runs at once.
    func add(_ cancel: @escaping @Sendable () -> Void) -> Int {
        let ticket = state.withLock { state -> Int? in
            guard !state.closed else { return nil }
            state.nextTicket += 1
            state.cancellers[state.nextTicket] = cancel
            return state.nextTicket
        }
        guard let ticket else {
            cancel()
            return 0
        }
        return ticket
    }

    func remove(_ ticket: Int) {
        _ = state.withLock { $0.cancellers.removeValue(forKey: ticket) }
    }

    private func close() {
        let cancellers = state.withLock { state in
            state.closed = true
            defer { state.cancellers = [:] }
            return Array(state.cancellers.values)
        }
        for cancel in cancellers { cancel() }
    }
}

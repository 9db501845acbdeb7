import Synchronization

/// A sleep whose cancellation frees its timer at once. Swift 6.3's `Task.sleep` on Linux keeps a
/// cancelled sleep's timer and task allocation alive until the original deadline (measured with
/// heaptrack, 2026-11: one ~300-byte allocation per `/ask`, held for the 300 s request timeout,
/// which grew RSS by ~750 bytes per request on a keep-alive soak). Sleeps here are `TimerWheel`
/// timers, removed when cancelled, and as coarse as the wheel's tick.
public enum TimerSleep {
    public static func sleep(until deadline: ContinuousClock.Instant) async throws {
        try await sleep(for: ContinuousClock.now.duration(to: deadline))
    }

    public static func sleep(for duration: Duration, on wheel: TimerWheel = .shared) async throws {
        try Task.checkCancellation()
        let sleeper = Sleeper(wheel: wheel)
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                sleeper.start(continuation, for: duration)
            }
        } onCancel: {
            sleeper.cancel()
        }
    }

    /// One sleep's continuation and timer: whichever of the timer and the cancellation comes first
    /// takes the continuation and resumes it; the other finds nothing to do.
    private final class Sleeper: Sendable {
        private struct State {
            var continuation: CheckedContinuation<Void, any Error>?
            var ticket: TimerWheel.Ticket?
            var cancelled = false
        }

        private let state = Mutex(State())
        private let wheel: TimerWheel

        init(wheel: TimerWheel) {
            self.wheel = wheel
        }

        func start(_ continuation: CheckedContinuation<Void, any Error>, for duration: Duration) {
            let cancelledBefore = state.withLock { state -> Bool in
                if state.cancelled { return true }
                state.continuation = continuation
                return false
            }
            if cancelledBefore {
                continuation.resume(throwing: CancellationError())
                return
            }
            let ticket = wheel.schedule(after: duration) { [self] in
                state.withLock { $0.continuation.take() }?.resume()
            }
            // A cancellation between the two locks found no ticket to cancel: cancel it here.
            let cancelledMeanwhile = state.withLock { state -> Bool in
                state.ticket = ticket
                return state.cancelled
            }
            if cancelledMeanwhile { wheel.cancel(ticket) }
        }

        func cancel() {
            let (continuation, ticket) = state.withLock { state in
                state.cancelled = true
                return (state.continuation.take(), state.ticket)
            }
            if let ticket { wheel.cancel(ticket) }
            continuation?.resume(throwing: CancellationError())
        }
    }
}

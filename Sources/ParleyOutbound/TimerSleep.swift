import NIOCore
import NIOPosix

/// A sleep whose cancellation frees its timer at once. Swift 6.3's `Task.sleep` on Linux keeps a
/// cancelled sleep's timer and task allocation alive until the original deadline (measured with
/// heaptrack, 2026-11: one ~300-byte allocation per `/ask`, held for the 300 s request timeout,
/// which grew RSS by ~750 bytes per request on a keep-alive soak). A NIO scheduled task is removed
/// from its event loop when cancelled.
public enum TimerSleep {
    public static func sleep(until deadline: ContinuousClock.Instant) async throws {
        try await sleep(for: ContinuousClock.now.duration(to: deadline))
    }

    public static func sleep(for duration: Duration) async throws {
        try Task.checkCancellation()
        let delay = duration < .zero ? .zero : duration
        let scheduled = MultiThreadedEventLoopGroup.singleton.any().scheduleTask(in: delay.timeAmount) {}
        try await withTaskCancellationHandler {
            do {
                try await scheduled.futureResult.get()
            } catch {
                throw CancellationError()
            }
        } onCancel: {
            scheduled.cancel()
        }
    }
}

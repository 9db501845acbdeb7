import Synchronization

/// The one way Parley bounds an operation in time: the operation races a timer, the first to finish
/// wins and the other is cancelled. Used by the Azure OpenAI client's whole-request timeout, each
/// Entra/IMDS attempt and the PostgreSQL store's operations.
public enum Deadline {
    /// Runs `body`; at `deadline` cancels it, waits for it to end, and throws `timedOut()` (unless
    /// `body` still succeeded: then its value wins).
    ///
    /// AHC's own deadline covers only the response head (async-http-client 1.37.0, measured), not a
    /// streamed body, hence a timer rather than a request deadline. The timer is a `TimerWheel`
    /// callback that cancels the work, not a second task racing it in a task group: one task fewer
    /// per Azure request (task creation and group bookkeeping were ~4 % of CPU under `make bench`,
    /// perf 2026-11-29), and a cancelled timer is freed at once.
    public static func run<T: Sendable>(
        until deadline: ContinuousClock.Instant, timedOut: @escaping @Sendable () -> any Error,
        _ body: @escaping @Sendable () async throws -> T
    ) async throws -> T {
        let passed = PassedFlag()
        let work = Task { try await body() }
        let timer = TimerWheel.shared.schedule(after: ContinuousClock.now.duration(to: deadline)) {
            passed.set()
            work.cancel()
        }
        defer { TimerWheel.shared.cancel(timer) }
        let result = await withTaskCancellationHandler {
            await work.result
        } onCancel: {
            work.cancel()
        }
        switch result {
        case .success(let value):
            return value
        case .failure(let error):
            if passed.isSet { throw timedOut() }
            throw error
        }
    }

    /// Set by a timer when its deadline passes, read by the work it bounds.
    public final class PassedFlag: Sendable {
        private let value = Atomic<Bool>(false)
        public init() {}
        public func set() { value.store(true, ordering: .releasing) }
        public var isSet: Bool { value.load(ordering: .acquiring) }
    }

    /// Runs `body`; after `limit` throws `timedOut()` at once and cancels `body` without waiting
    /// for it. For work that may ignore cancellation for long: postgres-nio's pool (1.33) keeps a
    /// lease request queued while connections fail, even when its task is cancelled, until its
    /// circuit breaker trips (about a minute, measured), and a request must not wait that long.
    public static func runAbandoning<T: Sendable>(
        within limit: Duration, timedOut: @escaping @Sendable () -> any Error,
        _ body: @escaping @Sendable () async throws -> T
    ) async throws -> T {
        let race = Race<T>()
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                let work = Task {
                    do {
                        race.finish(.success(try await body()))
                    } catch {
                        race.finish(.failure(error))
                    }
                }
                let timer = Task {
                    // A cancelled timer ends here without a result: the race was already decided.
                    guard (try? await TimerSleep.sleep(for: limit)) != nil else { return }
                    race.finish(.failure(timedOut()))
                }
                race.start(continuation, cancelling: [work, timer])
            }
        } onCancel: {
            race.finish(.failure(CancellationError()))
        }
    }

    /// The first result wins; the losers are cancelled.
    private final class Race<T: Sendable>: Sendable {
        private struct State {
            var continuation: CheckedContinuation<T, any Error>?
            var early: Result<T, any Error>?
            var tasks: [Task<Void, Never>] = []
            var done = false
        }

        private let state = Mutex(State())

        func start(_ continuation: CheckedContinuation<T, any Error>, cancelling tasks: [Task<Void, Never>]) {
            let early: Result<T, any Error>? = state.withLock {
                $0.tasks = tasks
                if let early = $0.early { return early }
                $0.continuation = continuation
                return nil
            }
            if let early {
                tasks.forEach { $0.cancel() }
                continuation.resume(with: early)
            }
        }

        func finish(_ result: Result<T, any Error>) {
            let (continuation, tasks): (CheckedContinuation<T, any Error>?, [Task<Void, Never>]) = state.withLock {
                guard !$0.done else { return (nil, []) }
                $0.done = true
                guard let continuation = $0.continuation else {
                    $0.early = result
                    return (nil, [])
                }
                $0.continuation = nil
                return (continuation, $0.tasks)
            }
            tasks.forEach { $0.cancel() }
            continuation?.resume(with: result)
        }
    }
}

import Foundation

/// When to try an outbound request again and how long to wait first: one rule set for every client.
/// Each library picks its values as a preset (`RetryPolicy.entra`, `.imds`, `.none` in ParleyIdentity;
/// `.azureOpenAI` in ParleyAzureOpenAI), with the source each number came from.
///
/// The wait is the server's (`retry-after-ms`, `Retry-After`, read by `serverDelay` through the
/// finite-and-clamped `RetryAfter` parser), or else exponential backoff: `baseDelay` doubling per retry,
/// capped at `maxDelay`, shortened at random by up to `jitter`.
public struct RetryPolicy: Sendable, Equatable {
    /// What to do when the server asks for a wait longer than `maxRetryAfter`.
    public enum LongServerDelay: Sendable, Equatable {
        /// Wait `maxRetryAfter` and retry (azure-core), so a hostile value cannot park us.
        case waitTheMaximum
        /// Do not retry at all (openai-python's `MAX_RETRY_AFTER_DELAY`).
        case giveUp
    }

    /// The HTTP statuses worth another attempt.
    public var retryableStatuses: [ClosedRange<Int>]
    /// Retries after the first attempt (so `maxRetries + 1` attempts at most).
    public var maxRetries: Int
    /// Wait before the first retry; doubles for each later one.
    public var baseDelay: Duration
    /// Wait before the first retry of a 410 Gone (IMDS asks for longer ones); doubles likewise.
    public var goneBaseDelay: Duration
    /// The longest backoff (a base delay above it is used as it is).
    public var maxDelay: Duration
    /// Up to this fraction of each backoff is taken off at random (0 = none, 0.25 = up to 25 % shorter).
    public var jitter: Double
    /// The longest server-asked wait honoured as given.
    public var maxRetryAfter: Duration
    public var longServerDelay: LongServerDelay
    /// Whether a server-asked wait of zero (`Retry-After: 0`, a date in the past) means "retry now"
    /// (azure-core) or "not given, back off" (openai-python honours only positive values).
    public var honoursZeroServerDelay: Bool

    public init(retryableStatuses: [ClosedRange<Int>], maxRetries: Int, baseDelay: Duration, goneBaseDelay: Duration? = nil,
                maxDelay: Duration, jitter: Double = 0, maxRetryAfter: Duration = .seconds(60),
                longServerDelay: LongServerDelay = .waitTheMaximum, honoursZeroServerDelay: Bool = true) {
        self.retryableStatuses = retryableStatuses
        self.maxRetries = maxRetries
        self.baseDelay = baseDelay
        self.goneBaseDelay = goneBaseDelay ?? baseDelay
        self.maxDelay = maxDelay
        self.jitter = jitter
        self.maxRetryAfter = maxRetryAfter
        self.longServerDelay = longServerDelay
        self.honoursZeroServerDelay = honoursZeroServerDelay
    }

    public func isRetryable(status: Int) -> Bool {
        retryableStatuses.contains { $0.contains(status) }
    }

    /// The backoff after `retriesTaken` retries (0 before the first retry); `random` is in 0..<1.
    public func backoff(retriesTaken: Int, status: Int? = nil, random: Double = .random(in: 0..<1)) -> Duration {
        let base = status == 410 ? goneBaseDelay : baseDelay
        let factor = 1 << min(max(retriesTaken, 0), 16)
        let exponential = min(base * factor, max(maxDelay, base))
        guard jitter > 0 else { return exponential }
        return .milliseconds(Int((exponential.seconds * (1 - jitter * random) * 1000).rounded()))
    }

    /// The wait before the next attempt: the server's when it gave one, else the backoff; nil when the
    /// server asked for more than `maxRetryAfter` and the policy gives up then.
    public func delay(retriesTaken: Int, status: Int?, serverDelay: Duration?,
                      random: Double = .random(in: 0..<1)) -> Duration? {
        guard let serverDelay else { return backoff(retriesTaken: retriesTaken, status: status, random: random) }
        if serverDelay <= maxRetryAfter { return serverDelay }
        switch longServerDelay {
        case .waitTheMaximum: return maxRetryAfter
        case .giveUp: return nil
        }
    }

    /// The wait before the next attempt of a request that must end by `deadline`, or nil when none
    /// should be made: the policy gives up (see above), or the wait would run past the deadline.
    public func delay(retriesTaken: Int, serverDelay: Duration?, before deadline: ContinuousClock.Instant) -> Duration? {
        guard let delay = delay(retriesTaken: retriesTaken, status: nil, serverDelay: serverDelay),
            ContinuousClock.now + delay < deadline
        else { return nil }
        return delay
    }

    /// The wait the server asked for: `retry-after-ms` (milliseconds), then `retry-after` (seconds or an
    /// HTTP date), then — as a last resort — "retry after N seconds" / "Try again in N seconds" in an
    /// error message (Azure 429 texts, 2023–2025). Nil when none is given (or, unless
    /// `honoursZeroServerDelay`, it is not positive). The headers go through `RetryAfter`, which never
    /// traps on hostile values (`1e300`, `inf`, `nan`, twenty digits …) and clamps to a day.
    public func serverDelay(retryAfterMilliseconds: String?, retryAfter: String?, message: String? = nil,
                            now: Date = Date()) -> Duration? {
        let usable: (Duration) -> Bool = { honoursZeroServerDelay ? $0 >= .zero : $0 > .zero }
        if let delay = RetryAfter.parse(retryAfterMilliseconds: retryAfterMilliseconds, retryAfter: nil, now: now),
            usable(delay)
        {
            return delay
        }
        if let delay = RetryAfter.parse(retryAfterMilliseconds: nil, retryAfter: retryAfter, now: now), usable(delay) {
            return delay
        }
        if let message, let seconds = Self.secondsMentioned(in: message), seconds > 0 {
            return .seconds(seconds)
        }
        return nil
    }

    /// "Please retry after 86400 seconds." / "Rate limit is exceeded. Try again in 2 seconds."
    static func secondsMentioned(in message: String) -> Int? {
        let pattern = #/(?i)(?:retry after|try again in)\s+(\d{1,9})\s+second/#
        guard let match = message.firstMatch(of: pattern) else { return nil }
        return Int(match.1)
    }
}

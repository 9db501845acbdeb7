import Foundation
import ParleyOutbound

/// When and how long to wait before another attempt. Mirrors openai-python (openai 3.57.0,
/// `_base_client.py`, read 2026): retry 408, 429, 5xx and connection errors; honour `retry-after-ms`,
/// then `retry-after`; otherwise `min(0.5 s × 2^retries, 8 s) × (1 − 0.25 × random)`; a server-asked
/// wait over 120 s (`MAX_RETRY_AFTER_DELAY`) is not retried at all.
enum ChatCompletionRetry {
    static let initialDelay: Double = 0.5
    static let maximumDelay: Double = 8
    static let maximumServerDelay: Double = 120

    static func isRetryable(status: Int) -> Bool {
        status == 408 || status == 429 || status >= 500
    }

    /// Exponential backoff with up to 25 % negative jitter; `random` is in 0..<1.
    static func backoff(retriesTaken: Int, random: Double) -> Duration {
        let exponential = min(initialDelay * pow(2, Double(min(retriesTaken, 16))), maximumDelay)
        return .milliseconds(Int((exponential * (1 - 0.25 * random) * 1000).rounded()))
    }

    /// The wait the server asked for: `retry-after-ms` (milliseconds), then `retry-after` (seconds or
    /// an HTTP date), then — as a last resort — "retry after N seconds" / "Try again in N seconds" in
    /// the error message (Azure 429 texts, 2023–2025). Nil when none is given or it is not positive.
    /// The headers go through `RetryAfter`, which never traps on hostile values (`1e300`, `inf`, `nan`,
    /// twenty digits …) and clamps to a day; a value that large is then simply "too long to retry".
    static func serverDelay(retryAfterMilliseconds: String?, retryAfter: String?, message: String?,
                            now: Date = Date()) -> Duration? {
        if let delay = RetryAfter.parse(retryAfterMilliseconds: retryAfterMilliseconds, retryAfter: nil, now: now),
            delay > .zero
        {
            return delay
        }
        if let delay = RetryAfter.parse(retryAfterMilliseconds: nil, retryAfter: retryAfter, now: now), delay > .zero {
            return delay
        }
        if let message, let seconds = secondsMentioned(in: message), seconds > 0 {
            return .seconds(seconds)
        }
        return nil
    }

    /// The whole seconds a caller is told to wait (`AzureOpenAIError.retryAfterSeconds`): at least 1,
    /// at most a day, never a trap.
    static func wholeSeconds(_ delay: Duration) -> Int {
        RetryAfter.wholeSeconds(delay)
    }

    /// "Please retry after 86400 seconds." / "Rate limit is exceeded. Try again in 2 seconds."
    static func secondsMentioned(in message: String) -> Int? {
        let pattern = #/(?i)(?:retry after|try again in)\s+(\d{1,9})\s+second/#
        guard let match = message.firstMatch(of: pattern) else { return nil }
        return Int(match.1)
    }
}

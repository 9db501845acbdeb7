import Foundation
import ParleyOutbound

/// When and how long to wait before retrying a token request.
public struct RetryPolicy: Sendable, Equatable {
    /// Which HTTP statuses are worth another attempt.
    public enum Statuses: Sendable, Equatable {
        /// azure-core `RetryPolicy` (1.41.0, 2026): 408, 429, 500, 502, 503, 504 and every code ≥ 506.
        /// AADSTS 4xx errors are never retried.
        case entra
        /// IMDS docs and azure-identity `ImdsRetryPolicy` (1.27.0, 2026): 404, 410, 429 and 5xx.
        case imds
    }

    public var statuses: Statuses
    /// Retries after the first attempt (so `maxRetries + 1` attempts at most).
    public var maxRetries: Int
    /// Wait before the first retry; doubles for each later one.
    public var baseDelay: Duration
    /// Wait before the first retry of an IMDS 410, which "must be retried for at least 70 s"
    /// (learn.microsoft.com instance-metadata-service error table, 2026): 2.5 s doubling gives
    /// 2.5 + 5 + 10 + 20 + 40 = 77.5 s over five retries.
    public var goneBaseDelay: Duration
    public var maxDelay: Duration
    /// A `Retry-After` header is honoured up to this long, so a hostile value cannot park us.
    public var maxRetryAfter: Duration

    public init(statuses: Statuses, maxRetries: Int, baseDelay: Duration, goneBaseDelay: Duration? = nil,
                maxDelay: Duration, maxRetryAfter: Duration = .seconds(60)) {
        self.statuses = statuses
        self.maxRetries = maxRetries
        self.baseDelay = baseDelay
        self.goneBaseDelay = goneBaseDelay ?? baseDelay
        self.maxDelay = maxDelay
        self.maxRetryAfter = maxRetryAfter
    }

    /// azure-core defaults for Entra (retry_status=3, backoff 0.8 s doubling; azure-core 1.41.0, 2026).
    public static let entra = RetryPolicy(statuses: .entra, maxRetries: 3, baseDelay: .milliseconds(800), maxDelay: .seconds(60))

    /// azure-identity's IMDS policy (retry_total=5, backoff 0.8 s doubling, max 60 s; 1.27.0, 2026).
    public static let imds = RetryPolicy(statuses: .imds, maxRetries: 5, baseDelay: .milliseconds(800),
                                         goneBaseDelay: .milliseconds(2500), maxDelay: .seconds(60))

    /// One attempt only: the default chain's IMDS probe.
    public static let none = RetryPolicy(statuses: .imds, maxRetries: 0, baseDelay: .zero, maxDelay: .zero)

    public func isRetryable(status: Int) -> Bool {
        switch statuses {
        case .entra: [408, 429, 500, 502, 503, 504].contains(status) || status >= 506
        case .imds: [404, 410, 429].contains(status) || (500...599).contains(status)
        }
    }

    /// The wait before retry number `retry` (1-based).
    public func delay(beforeRetry retry: Int, status: Int?, retryAfter: Duration?) -> Duration {
        if let retryAfter { return min(retryAfter, maxRetryAfter) }
        let base = status == 410 ? goneBaseDelay : baseDelay
        let factor = 1 << min(max(retry - 1, 0), 16)
        return min(base * factor, max(maxDelay, base))
    }

    /// Parses `Retry-After` (delta-seconds or an HTTP date), relative to `now`, with the shared
    /// finite-and-clamped parser: `1e300`, `inf`, twenty digits or `-1` from a gateway must never
    /// reach an integer conversion (issue 9).
    public static func retryAfter(_ value: String?, now: Date) -> Duration? {
        guard let value else { return nil }
        return RetryAfter.parse(value, now: now)
    }
}

import ParleyOutbound

/// Timeouts, retries and the sleep function used by every credential. Defaults match
/// azure-identity where it is sensible and are shorter where it is not (identity.md §11.4).
/// Tests shorten them and record sleeps instead of sleeping.
public struct IdentityOptions: Sendable {
    /// Per attempt, Entra token endpoint (azure-core waits 300 s; a black-holed Entra must not park
    /// the refresh for minutes).
    public var entraAttemptTimeout: Duration = .seconds(15)
    public var entraRetry: RetryPolicy = .entra
    /// How long the default chain's IMDS probe may take to connect: 1 s, no retries
    /// (azure-identity `_enable_imds_probe` connection_timeout, Go `imdsProbeTimeout`, 2026), so a
    /// laptop without IMDS moves on to the Azure CLI quickly. The probe's answer itself gets
    /// `imdsAttemptTimeout` (`IMDSProbe`).
    public var imdsProbeTimeout: Duration = .seconds(1)
    /// Per attempt once IMDS is known to answer, or when managed identity is used on its own.
    public var imdsAttemptTimeout: Duration = .seconds(5)
    public var imdsRetry: RetryPolicy = .imds
    /// `az` / `azd` subprocess limit (azure-identity `process_timeout`, Go `timeoutCLIRequest`: 10 s).
    public var processTimeout: Duration = .seconds(10)
    /// How retries wait. Injected so tests can record delays instead of sleeping.
    public var sleep: @Sendable (Duration) async throws -> Void = { try await Task.sleep(for: $0) }

    public init() {}
}

/// The identity library's retry values. A `Retry-After` is honoured up to 60 s (longer ones wait 60 s),
/// zero included; no jitter.
extension RetryPolicy {
    /// azure-core `RetryPolicy` (1.41.0, 2026): 408, 429, 500, 502, 503, 504 and every code ≥ 506,
    /// retry_total=3, backoff 0.8 s doubling. AADSTS 4xx errors are never retried.
    public static let entra = RetryPolicy(retryableStatuses: [408...408, 429...429, 500...500, 502...504, 506...Int.max],
                                          maxRetries: 3, baseDelay: .milliseconds(800), maxDelay: .seconds(60))

    /// IMDS docs and azure-identity `ImdsRetryPolicy` (1.27.0, 2026): 404, 410, 429 and 5xx,
    /// retry_total=5, backoff 0.8 s doubling, max 60 s. A 410 "must be retried for at least 70 s"
    /// (learn.microsoft.com instance-metadata-service error table, 2026): 2.5 s doubling gives
    /// 2.5 + 5 + 10 + 20 + 40 = 77.5 s over five retries.
    public static let imds = RetryPolicy(retryableStatuses: imdsStatuses, maxRetries: 5, baseDelay: .milliseconds(800),
                                         goneBaseDelay: .milliseconds(2500), maxDelay: .seconds(60))

    /// One attempt only: the default chain's IMDS probe.
    public static let none = RetryPolicy(retryableStatuses: imdsStatuses, maxRetries: 0, baseDelay: .zero, maxDelay: .zero)

    private static let imdsStatuses = [404...404, 410...410, 429...429, 500...599]
}

import AsyncHTTPClient
import CoreMetrics
import ParleyOutbound

/// Where and how the client reaches one Azure OpenAI resource. Read once by the composition root.
public struct AzureOpenAIConfiguration: Sendable {
    /// The resource endpoint, e.g. `https://myres.openai.azure.com` (a trailing slash is tolerated).
    public var endpoint: String
    /// A dated api-version (`2024-10-21`, the latest dated GA as of 2025-08) or `v1`, which selects the
    /// `/openai/v1/chat/completions` route (GA since August 2025).
    public var apiVersion: String
    /// When to retry and how long to wait (`RetryPolicy.azureOpenAI`, with `maxRetries` from here).
    public var retry: RetryPolicy
    /// Retries after the first attempt for 408, 429, 5xx and connection errors (openai-python's
    /// DEFAULT_MAX_RETRIES is 2 as well, openai 3.57.0).
    public var maxRetries: Int {
        get { retry.maxRetries }
        set { retry.maxRetries = newValue }
    }
    /// How long connecting may take. Applied by whoever builds the `HTTPClient` (see `httpClientTimeout`).
    public var connectTimeout: Duration
    /// How long to wait for the response head, and the longest silence between body bytes.
    public var firstByteTimeout: Duration
    /// The whole request, retries and the streamed body included.
    public var requestTimeout: Duration
    /// Where `parley_upstream_retries_total` and `parley_upstream_rate_limited_total` go (swift-metrics);
    /// nil counts nothing.
    public var metricsFactory: (any MetricsFactory)?

    public init(
        endpoint: String,
        apiVersion: String = "2024-10-21",
        maxRetries: Int = 2,
        connectTimeout: Duration = .seconds(10),
        firstByteTimeout: Duration = .seconds(60),
        requestTimeout: Duration = .seconds(300)
    ) {
        self.endpoint = endpoint
        self.apiVersion = apiVersion
        self.retry = .azureOpenAI
        self.retry.maxRetries = maxRetries
        self.connectTimeout = connectTimeout
        self.firstByteTimeout = firstByteTimeout
        self.requestTimeout = requestTimeout
    }

    /// The AHC timeouts matching this configuration: `connect` = `connectTimeout`, `read` (the longest
    /// gap between bytes) = `firstByteTimeout`. The HTTPClient is the caller's, so the caller applies it:
    /// `var c = HTTPClient.Configuration(); c.timeout = configuration.httpClientTimeout`.
    public var httpClientTimeout: HTTPClient.Configuration.Timeout {
        .init(connect: connectTimeout.timeAmount, read: firstByteTimeout.timeAmount)
    }

    /// `httpClientTimeout` of the default configuration: what the process's shared client uses
    /// before any endpoint is known.
    public static var defaultHTTPClientTimeout: HTTPClient.Configuration.Timeout {
        AzureOpenAIConfiguration(endpoint: "").httpClientTimeout
    }

    /// True for the `/openai/v1/...` route.
    public var usesV1Route: Bool {
        apiVersion.lowercased() == "v1"
    }

    /// The endpoint without trailing slashes.
    var baseURL: String {
        var base = endpoint
        while base.hasSuffix("/") { base.removeLast() }
        return base
    }
}

/// The Azure OpenAI client's retry values. Mirrors openai-python (openai 3.57.0, `_base_client.py`, read
/// 2026): retry 408, 429, 5xx and connection errors; honour `retry-after-ms`, then `retry-after` (only
/// positive values); otherwise `min(0.5 s × 2^retries, 8 s) × (1 − 0.25 × random)`; a server-asked wait
/// over 120 s (`MAX_RETRY_AFTER_DELAY`) is not retried at all.
extension RetryPolicy {
    public static let azureOpenAI = RetryPolicy(
        retryableStatuses: [408...408, 429...429, 500...Int.max], maxRetries: 2, baseDelay: .milliseconds(500),
        maxDelay: .seconds(8), jitter: 0.25, maxRetryAfter: .seconds(120), longServerDelay: .giveUp,
        honoursZeroServerDelay: false)
}

import CoreMetrics
import Foundation
import ParleyAzureOpenAI
import ParleyOutbound
import Prometheus

/// Parley's metrics, through the swift-metrics API into one Prometheus registry that `/metrics`
/// renders. The factory is passed explicitly (never bootstrapped globally), so every application,
/// and every test, has its own registry.
///
/// Names follow Prometheus conventions (prometheus.io "Metric and label naming", 2026): `parley_`
/// prefix, `_total` for counters, `_seconds` for durations.
public final class ParleyMetrics: Sendable {
    public let registry: PrometheusCollectorRegistry
    let factory: PrometheusMetricsFactory

    /// Request latency: 5 ms to 10 min (a streamed answer may take minutes).
    static let requestBuckets: [Duration] = [
        .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100), .milliseconds(250),
        .milliseconds(500), .seconds(1), .milliseconds(2500), .seconds(5), .seconds(10), .seconds(30), .seconds(60),
        .seconds(120), .seconds(300), .seconds(600),
    ]
    /// Time to first token: 50 ms to 60 s.
    static let firstTokenBuckets: [Duration] = [
        .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1), .seconds(2),
        .seconds(5), .seconds(10), .seconds(30), .seconds(60),
    ]

    public init(registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry()) {
        self.registry = registry
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.defaultDurationHistogramBuckets = Self.requestBuckets
        factory.durationHistogramBuckets = [
            Names.requestDuration: Self.requestBuckets,
            Names.upstreamDuration: Self.requestBuckets,
            Names.timeToFirstToken: Self.firstTokenBuckets,
        ]
        self.factory = factory
    }

    /// For libraries that take a swift-metrics factory (the Azure OpenAI client).
    public var metricsFactory: any MetricsFactory { factory }

    public enum Names {
        public static let requests = "parley_http_requests_total"
        public static let requestDuration = "parley_http_request_duration_seconds"
        public static let activeStreams = "parley_active_streams"
        public static let upstreamDuration = "parley_upstream_duration_seconds"
        public static let timeToFirstToken = "parley_time_to_first_token_seconds"
        public static let tokens = "parley_tokens_total"
        public static let upstreamErrors = "parley_upstream_errors_total"
        public static let upstreamRetries = "parley_upstream_retries_total"
        public static let upstreamRateLimited = "parley_upstream_rate_limited_total"
        public static let tokenAcquisitions = "parley_token_acquisitions_total"
        public static let tokenFailures = "parley_token_failures_total"
        public static let tokenExpiry = "parley_token_expiry_seconds"
        public static let sessions = "parley_sessions"
        public static let storeErrors = "parley_store_errors_total"
        public static let shedRequests = "parley_shed_requests_total"
        /// Questions refused by the per-user limits (issue 13), by `reason`: rate_limited or budget_exhausted.
        public static let refusals = "parley_refusals_total"
        // Several endpoints (issue 15); the two counters are incremented by the Azure OpenAI library's pool.
        public static let backendRequests = "parley_backend_requests_total"
        public static let backendFailovers = "parley_backend_failovers_total"
        public static let backendState = "parley_backend_state"
        // The document index (issue 14).
        public static let documentPassages = "parley_documents_passages"
        public static let documentFiles = "parley_documents_files"
        public static let documentsSkipped = "parley_documents_skipped"
    }

    /// A question refused with 429 by PARLEY_RATE_LIMIT or PARLEY_DAILY_TOKEN_BUDGET.
    func refused(reason: String) {
        Counter(label: Names.refusals, dimensions: [("reason", reason)], factory: factory).increment()
    }

    /// A question refused at once with 503 `overloaded` (PARLEY_MAX_ACTIVE_ANSWERS reached).

    func answerShed() {
        Counter(label: Names.shedRequests, factory: factory).increment()
    }

    // MARK: HTTP

    func requestFinished(route: String, method: String, status: Int, duration: Duration) {
        Counter(label: Names.requests, dimensions: [("route", route), ("method", method), ("status", "\(status)")], factory: factory)
            .increment()
        Timer(label: Names.requestDuration, dimensions: [("route", route)], factory: factory).recordNanoseconds(duration.nanoseconds)
    }

    func streamStarted() {
        Meter(label: Names.activeStreams, factory: factory).increment()
    }

    func streamEnded() {
        Meter(label: Names.activeStreams, factory: factory).decrement()
    }

    // MARK: Model

    func upstreamFinished(deployment: String, after duration: Duration) {
        Timer(label: Names.upstreamDuration, dimensions: [("deployment", deployment)], factory: factory)
            .recordNanoseconds(duration.nanoseconds)
    }

    func firstToken(deployment: String, after duration: Duration) {
        Timer(label: Names.timeToFirstToken, dimensions: [("deployment", deployment)], factory: factory)
            .recordNanoseconds(duration.nanoseconds)
    }

    func tokensUsed(deployment: String, prompt: Int, completion: Int) {
        Counter(label: Names.tokens, dimensions: [("deployment", deployment), ("kind", "prompt")], factory: factory).increment(by: prompt)
        Counter(label: Names.tokens, dimensions: [("deployment", deployment), ("kind", "completion")], factory: factory)
            .increment(by: completion)
    }

    func upstreamError(deployment: String, code: String) {
        Counter(label: Names.upstreamErrors, dimensions: [("deployment", deployment), ("code", code)], factory: factory).increment()
    }

    /// Each backend's state when /metrics is rendered: 0 closed, 1 cooling (429), 2 open breaker.
    func backendStates(_ states: [(deployment: String, backend: String, state: BackendState)]) {
        for entry in states {
            Gauge(label: Names.backendState, dimensions: [("deployment", entry.deployment), ("backend", entry.backend)], factory: factory)
                .record(entry.state.gaugeValue)
        }
    }

    // MARK: Identity

    func tokenAcquired(credential: String) {
        Counter(label: Names.tokenAcquisitions, dimensions: [("credential", credential)], factory: factory).increment()
    }

    func tokenFailed(credential: String) {
        Counter(label: Names.tokenFailures, dimensions: [("credential", credential)], factory: factory).increment()
    }

    func tokenExpiry(scope: String, secondsLeft: Double) {
        Gauge(label: Names.tokenExpiry, dimensions: [("scope", scope)], factory: factory).record(secondsLeft)
    }

    // MARK: Store

    /// What the document index holds: files, passages and files skipped on the last refresh.
    func documents(files: Int, passages: Int, skipped: Int) {
        Gauge(label: Names.documentFiles, factory: factory).record(files)
        Gauge(label: Names.documentPassages, factory: factory).record(passages)
        Gauge(label: Names.documentsSkipped, factory: factory).record(skipped)
    }

    func sessions(_ count: Int) {
        Gauge(label: Names.sessions, factory: factory).record(count)
    }

    func storeError(operation: String) {
        Counter(label: Names.storeErrors, dimensions: [("operation", operation)], factory: factory).increment()
    }
}

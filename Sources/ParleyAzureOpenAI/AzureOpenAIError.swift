/// Every failure of the client, classified so the HTTP layer can map it to Parley's error contract.
/// `message` is written for a person (what happened and what to do) and never holds a token or key.
public struct AzureOpenAIError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: String, Sendable, Equatable {
        /// 400 `content_filter` (prompt) or a completion stopped by the filter.
        case contentFilter
        /// 400 `context_length_exceeded`.
        case contextLengthExceeded
        /// 429 after retries were exhausted (or the wait was too long to retry).
        case rateLimited
        /// 401 `PermissionDenied`: the identity lacks the data-plane role.
        case permissionDenied
        /// 401 for a bad key or a bad/expired/wrong-audience token (after the one refresh+retry).
        case authenticationFailed
        /// 404 `DeploymentNotFound`.
        case deploymentNotFound
        /// 404 on the path (wrong endpoint or api-version), 403 firewall, other 4xx refusals.
        case upstreamRefused
        /// 5xx / connection errors after retries, or an unreadable response.
        case upstreamError
        /// Connect, first-byte or whole-request deadline passed.
        case upstreamTimeout
        /// The authenticator could not produce a credential (no token could be had).
        case credentialUnavailable
    }

    public var kind: Kind
    public var message: String
    /// Upstream HTTP status, when there was one.
    public var status: Int?
    /// How long the caller should wait before retrying (429), in seconds.
    public var retryAfterSeconds: Int?
    /// `apim-request-id` / `x-request-id` of the failed response, for support tickets.
    public var requestID: String?
    /// The wait the server asked for (`retry-after-ms`, else `retry-after`), parsed and clamped by
    /// `RetryAfter`; a backend pool cools that backend for it.
    public var retryAfter: Duration?

    public init(kind: Kind, message: String, status: Int? = nil, retryAfterSeconds: Int? = nil, requestID: String? = nil) {
        self.kind = kind
        self.message = message
        self.status = status
        self.retryAfterSeconds = retryAfterSeconds
        self.requestID = requestID
    }

    public var description: String { message }
}

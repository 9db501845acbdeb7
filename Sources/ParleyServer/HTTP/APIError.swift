import HTTPTypes

/// Parley's error contract: `{"error": {"code", "message", "request_id"}}` with a fitting status.
/// Messages say what happened and what to do in a plain sentence; they never hold a token, key,
/// stack trace, or an internal detail an anonymous client has no business seeing (client and
/// tenant ids, file paths, hosts, database users, Entra trace ids). Those go to `detail`, which is
/// logged under the request id and never sent.
public struct APIError: Error, Sendable, Equatable {
    public var status: HTTPResponse.Status
    public var code: String
    public var message: String
    /// Seconds, sent as `Retry-After` (429, 503 `overloaded`).
    public var retryAfterSeconds: Int?
    /// For the operator's log only.
    public var detail: String?
    /// When a spent daily budget comes back (ISO 8601, UTC): `resets_at` in the body and a header.
    public var resetsAt: String?
    /// Further headers for the client (`RateLimit-*`).
    public var headers: [String: String] = [:]

    public init(_ status: HTTPResponse.Status, _ code: String, _ message: String, retryAfterSeconds: Int? = nil, detail: String? = nil) {
        self.status = status
        self.code = code
        self.message = message
        self.retryAfterSeconds = retryAfterSeconds
        self.detail = detail
    }

    static func invalidRequest(_ message: String) -> APIError {
        APIError(.badRequest, "invalid_request", message)
    }

    static func notFound(_ message: String = "There is nothing at this path.") -> APIError {
        APIError(.notFound, "not_found", message)
    }
}

/// The JSON body of an error.
struct APIErrorBody: Encodable {
    struct Detail: Encodable {
        let code: String
        let message: String
        /// The id under which the log holds the details (also the `X-Request-Id` header).
        let request_id: String?
        /// Only on `budget_exhausted`.
        let resets_at: String?
    }
    let error: Detail

    init(_ error: APIError, requestID: String?) {
        self.error = Detail(code: error.code, message: error.message, request_id: requestID, resets_at: error.resetsAt)
    }
}

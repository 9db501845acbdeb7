import HTTPTypes

/// Parley's error contract: `{"error": {"code", "message"}}` with a fitting status. Messages say
/// what happened and what to do; they never hold a token, key or stack trace.
public struct APIError: Error, Sendable, Equatable {
    public var status: HTTPResponse.Status
    public var code: String
    public var message: String
    /// Seconds, sent as `Retry-After` (429).
    public var retryAfterSeconds: Int?

    public init(_ status: HTTPResponse.Status, _ code: String, _ message: String, retryAfterSeconds: Int? = nil) {
        self.status = status
        self.code = code
        self.message = message
        self.retryAfterSeconds = retryAfterSeconds
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
    }
    let error: Detail

    init(_ error: APIError) {
        self.error = Detail(code: error.code, message: error.message)
    }
}

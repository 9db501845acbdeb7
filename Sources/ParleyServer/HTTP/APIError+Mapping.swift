import Hummingbird
import NIOCore
import ParleyAzureOpenAI
import ParleyChat

extension APIError {
    /// Maps anything a handler or the libraries throw onto the contract.
    static func from(_ error: any Error) -> APIError {
        switch error {
        case let error as APIError:
            return error
        case let error as AzureOpenAIError:
            return from(error)
        case SessionStoreError.busy:
            return APIError(
                .conflict, "session_busy",
                "A question in this session is still being answered; wait for it to finish or stop it, then ask again.")
        case SessionStoreError.notFound:
            return .notFound("No such session; it may have expired. Start a new conversation.")
        case SessionStoreError.unavailable(let reason):
            return APIError(
                .serviceUnavailable, "store_unavailable",
                "The session store is unavailable right now. Try again shortly; if it lasts, an operator should run 'parley doctor'.",
                detail: reason)
        case ChatError.answerFiltered:
            return APIError(
                .badRequest, "content_filter",
                "Azure OpenAI's content filter stopped this answer. Rephrase the question and try again.")
        case is NIOTooManyBytesError:
            return APIError(.contentTooLarge, "payload_too_large", "The request body is too large.")
        case let error as HTTPError where error.status == .contentTooLarge:
            return APIError(.contentTooLarge, "payload_too_large", "The request body is too large.")
        case let error as HTTPError where error.status == .notFound:
            return .notFound()
        case let error as HTTPError where error.status.code < 500:
            return APIError(error.status, "invalid_request", error.body ?? error.status.reasonPhrase)
        default:
            return APIError(
                .internalServerError, "internal_error", "Parley failed unexpectedly; the details are in its log.",
                detail: String(reflecting: type(of: error)))
        }
    }

    static func from(_ error: AzureOpenAIError) -> APIError {
        var detail = error.message
        if let id = error.requestID { detail += " (Azure request id \(id))" }
        /// Errors about the person's question keep Azure's explanation; errors about the service's
        /// own setup get a plain sentence, and the explanation goes to the log and `parley doctor`.
        func operatorProblem(_ status: HTTPResponse.Status, _ code: String, _ message: String) -> APIError {
            APIError(status, code, message, detail: detail)
        }
        switch error.kind {
        case .contentFilter:
            return APIError(.badRequest, "content_filter", error.message, detail: detail)
        case .contextLengthExceeded:
            return APIError(.badRequest, "context_length_exceeded", error.message, detail: detail)
        case .rateLimited:
            return APIError(
                .tooManyRequests, "rate_limited", error.message, retryAfterSeconds: error.retryAfterSeconds ?? 1, detail: detail)
        case .upstreamTimeout:
            return APIError(.gatewayTimeout, "upstream_timeout", error.message, detail: detail)
        case .permissionDenied:
            return operatorProblem(
                .badGateway, "permission_denied",
                "The service's identity is not allowed to use Azure OpenAI yet: an operator should run 'parley doctor'.")
        case .authenticationFailed:
            return operatorProblem(
                .badGateway, "authentication_failed",
                "Azure OpenAI did not accept the service's credentials: an operator should run 'parley doctor'.")
        case .deploymentNotFound:
            return operatorProblem(
                .badGateway, "deployment_not_found",
                "The model deployment is not available on the Azure OpenAI resource: an operator should run 'parley doctor'.")
        case .upstreamRefused:
            return operatorProblem(
                .badGateway, "upstream_refused",
                "Azure OpenAI refused the request: an operator should run 'parley doctor'.")
        case .upstreamError:
            return operatorProblem(
                .badGateway, "upstream_error", "Azure OpenAI could not answer this time. Try again; if it lasts, an operator should run 'parley doctor'.")
        case .credentialUnavailable:
            return operatorProblem(
                .serviceUnavailable, "credential_unavailable",
                "The service cannot get a token for Azure OpenAI: an operator should run 'parley doctor'.")
        }
    }
}

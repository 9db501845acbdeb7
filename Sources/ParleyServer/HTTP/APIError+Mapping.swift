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
        case SessionStoreError.unavailable(let reason):
            return APIError(.serviceUnavailable, "store_unavailable", "The session store is unavailable: \(reason). Try again shortly.")
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
            return APIError(.internalServerError, "internal_error", "Parley failed unexpectedly; the details are in its log.")
        }
    }

    static func from(_ error: AzureOpenAIError) -> APIError {
        var message = error.message
        if let id = error.requestID { message += " (Azure request id \(id))" }
        switch error.kind {
        case .contentFilter:
            return APIError(.badRequest, "content_filter", message)
        case .contextLengthExceeded:
            return APIError(.badRequest, "context_length_exceeded", message)
        case .rateLimited:
            return APIError(.tooManyRequests, "rate_limited", message, retryAfterSeconds: error.retryAfterSeconds ?? 1)
        case .permissionDenied:
            return APIError(.badGateway, "permission_denied", message)
        case .authenticationFailed:
            return APIError(.badGateway, "authentication_failed", message)
        case .deploymentNotFound:
            return APIError(.badGateway, "deployment_not_found", message)
        case .upstreamRefused:
            return APIError(.badGateway, "upstream_refused", message)
        case .upstreamError:
            return APIError(.badGateway, "upstream_error", message)
        case .upstreamTimeout:
            return APIError(.gatewayTimeout, "upstream_timeout", message)
        case .credentialUnavailable:
            return APIError(.serviceUnavailable, "credential_unavailable", message)
        }
    }
}

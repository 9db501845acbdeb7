import Foundation

/// How the failed attempt was authenticated; decides the wording of 401 messages.
enum RequestAuthorization: Sendable, Equatable {
    case apiKey
    /// `Authorization: Bearer <jwt>`; `objectID` is the token's `oid` claim when it could be read.
    case bearer(objectID: String?)

    /// `decodeClaims`: read the token's `oid` (only a 401 message needs it).
    init(headerName: String, headerValue: String, decodeClaims: Bool = true) {
        if headerName.lowercased() == "authorization" {
            self = .bearer(objectID: decodeClaims ? BearerTokenClaims.objectID(authorizationValue: headerValue) : nil)
        } else {
            self = .apiKey
        }
    }
}

/// Turns an Azure OpenAI error response into an `AzureOpenAIError` whose message says what happened
/// and what to do. Bodies and codes as catalogued in the reference (§6, GitHub issues 2023–2026).
/// Azure's own message is quoted only where it helps and never for 401s; no credential is ever
/// part of a message.
struct AzureOpenAIErrorMapping {
    var deployment: String
    var apiVersion: String
    var credential: RequestAuthorization

    func error(status: Int, envelope: AzureErrorEnvelope?, requestID: String?, attempts: Int,
               retryAfterSeconds: Int?, location: String? = nil) -> AzureOpenAIError {
        let code = envelope?.code?.lowercased()
        let azureSaid = Self.quoted(envelope?.message)
        func make(_ kind: AzureOpenAIError.Kind, _ message: String) -> AzureOpenAIError {
            AzureOpenAIError(kind: kind, message: message, status: status,
                             retryAfterSeconds: retryAfterSeconds, requestID: requestID)
        }

        switch status {
        case 300...399:
            // The outbound client never follows redirects: one would carry `api-key` or the bearer
            // token to wherever it points.
            let target = Self.host(of: location).map { " to \($0)" } ?? ""
            return make(.upstreamRefused,
                "Azure OpenAI's endpoint answered with a redirect (HTTP \(status)\(target)). Parley does not follow redirects, "
                + "so that no credential is sent elsewhere. Check the endpoint: use the resource's own endpoint "
                + "(https://<resource>.openai.azure.com), not an address that redirects.")
        case 401 where code == "permissiondenied":
            let who: String
            if case .bearer(let oid?) = credential { who = "the identity \(oid)" } else { who = "the identity in use" }
            return make(.permissionDenied,
                "Azure OpenAI refused the request (401 PermissionDenied): \(who) lacks the role "
                + "'Cognitive Services OpenAI User' on this Azure OpenAI resource (role changes can take up to 30 minutes). "
                + "Assign that role to this identity on the resource, or wait if it was assigned just now.")
        case 401:
            if envelope?.bareStatusCode != nil || credential != .apiKey {
                return make(.authenticationFailed,
                    "Azure OpenAI rejected the access token (401): it is missing, invalid, expired or issued for the wrong audience. "
                    + "The token must be for https://cognitiveservices.azure.com, and with Microsoft Entra ID the endpoint must be "
                    + "the resource's custom-subdomain endpoint (https://<resource>.openai.azure.com), not a regional one.")
            }
            return make(.authenticationFailed,
                "Azure OpenAI rejected the API key (401): the key is wrong or belongs to another resource. "
                + "Copy a key from the resource's 'Keys and Endpoint' page and check that the endpoint is that resource's endpoint.")
        case 403:
            return make(.upstreamRefused,
                "Azure OpenAI refused the request (403)\(azureSaid). The resource's network rules (firewall, virtual network "
                + "or disabled public access) do not admit this host: allow its address or use the resource's private endpoint.")
        case 404 where code == "deploymentnotfound":
            return make(.deploymentNotFound,
                "The deployment '\(deployment)' does not exist on this Azure OpenAI resource (404 DeploymentNotFound). "
                + "Use the name given to the deployment (not the model name); a deployment created in the last 5 minutes may not be ready yet.")
        case 404:
            return make(.upstreamRefused,
                "Azure OpenAI answered 404 Resource not found: the endpoint or the api-version '\(apiVersion)' is wrong. "
                + "Use the resource's endpoint (https://<resource>.openai.azure.com) and a supported api-version such as 2024-10-21 or v1.")
        case 400 where code == "content_filter":
            let categories = envelope?.filteredCategories.map(Self.readable) ?? []
            let named = categories.isEmpty
                ? "the response did not name the category"
                : (categories.count == 1 ? "category: " : "categories: ") + categories.joined(separator: ", ")
            return make(.contentFilter,
                "Azure OpenAI's content filter blocked the prompt (\(named)). Rephrase the question and try again.")
        case 400 where code == "context_length_exceeded":
            return make(.contextLengthExceeded,
                "The conversation is too long for this model\(azureSaid). Start a new conversation or ask a shorter question.")
        case 429:
            let wait = retryAfterSeconds.map { "; it asks to retry after \($0) second\($0 == 1 ? "" : "s")" } ?? ""
            return make(.rateLimited,
                "Azure OpenAI is rate-limiting the deployment '\(deployment)' (429)\(wait). "
                + "Wait and try again, or raise the deployment's tokens-per-minute quota.")
        case 408, 500...:
            let tries = attempts == 1 ? "1 attempt" : "\(attempts) attempts"
            let id = requestID.map { " (request id \($0))" } ?? ""
            return make(.upstreamError,
                "Azure OpenAI failed with HTTP \(status) after \(tries)\(azureSaid). Try again later\(id).")
        default:
            return make(.upstreamRefused,
                "Azure OpenAI rejected the request (HTTP \(status))\(azureSaid). "
                + "Check that the api-version '\(apiVersion)' supports this request.")
        }
    }

    /// A mid-stream `error` event.
    func streamError(_ envelope: AzureErrorEnvelope, requestID: String?) -> AzureOpenAIError {
        switch envelope.code?.lowercased() {
        case "content_filter":
            return error(status: 400, envelope: envelope, requestID: requestID, attempts: 1, retryAfterSeconds: nil)
        default:
            return AzureOpenAIError(kind: .upstreamError,
                message: "Azure OpenAI reported an error in the middle of the answer\(Self.quoted(envelope.message)). Try again.",
                status: nil, requestID: requestID)
        }
    }

    /// An event past the parser's limit ended the answer.
    func oversizedEvent(limitBytes: Int, requestID: String?) -> AzureOpenAIError {
        AzureOpenAIError(kind: .upstreamError,
            message: "Azure OpenAI sent a stream event larger than \(limitBytes / 1024 / 1024) MiB (\(limitBytes) bytes), "
                + "the most Parley accepts for one event; the answer was ended there. This is not Azure's format: "
                + "check that the endpoint is the Azure OpenAI resource itself, then try again.",
            requestID: requestID)
    }

    /// The host (and port) of a `Location` value, for messages: never its path or query.
    static func host(of location: String?) -> String? {
        guard let location, let components = URLComponents(string: location), let host = components.host,
            !host.isEmpty
        else { return nil }
        return components.port.map { "\(host):\($0)" } ?? host
    }

    /// ": <Azure's message>" with whitespace tidied and length capped, or "" when there is none.
    static func quoted(_ message: String?) -> String {
        guard var text = message?.trimmingCharacters(in: .whitespacesAndNewlines), !text.isEmpty else { return "" }
        text = text.split(whereSeparator: \.isNewline).joined(separator: " ")
        if text.count > 300 { text = String(text.prefix(300)) + "…" }
        while text.hasSuffix(".") { text.removeLast() }
        return ": \(text)"
    }

    /// `self_harm` → `self harm`, `protected_material_text` → `protected material text`.
    static func readable(_ category: String) -> String {
        category.replacingOccurrences(of: "_", with: " ")
    }
}

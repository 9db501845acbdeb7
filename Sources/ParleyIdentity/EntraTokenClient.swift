import AsyncHTTPClient
import Foundation
import Logging

/// Entra answered the token request with an OAuth error envelope. Credentials turn this into an
/// `AuthenticationFailedError` once they have added what they know (issuer, subject, retries).
struct EntraRejection: Error, Sendable {
    let status: Int
    let envelope: EntraErrorResponse
    /// Values sent with the request that must not be echoed (assertion, client secret).
    let secrets: [String]

    func authenticationFailed(credential: String, context: EntraErrorExplanation.Context) -> AuthenticationFailedError {
        let codes = envelope.errorCodes.map { "AADSTS\($0)" }.joined(separator: ", ")
        var reason = "Microsoft Entra ID rejected the token request (HTTP \(status) \(envelope.error)\(codes.isEmpty ? "" : ", \(codes)")): "
        var summary = envelope.summary
        // "AADSTS70021: No matching…": the code is already named in the parenthesis.
        if let prefix = summary.firstMatch(of: /^AADSTS\d+:\s*/) { summary.removeSubrange(prefix.range) }
        reason += SecretScrubber.scrub(summary, secrets: secrets)
        if !reason.hasSuffix(".") { reason += "." }
        if let hint = EntraErrorExplanation.hint(for: envelope.errorCodes, description: envelope.errorDescription ?? "", context: context) {
            reason += " What to check: \(hint)"
        }
        let ids = envelope.identifiers
        if !ids.isEmpty { reason += " (\(ids))" }
        return AuthenticationFailedError(credential: credential, reason: reason, statusCode: status, entraError: envelope)
    }
}

/// POSTs the client-credentials form to `{authority}/{tenant}/oauth2/v2.0/token`
/// (`wi-token-request.http`, captured from azure-identity 1.27.0, 2026) and parses the answer.
struct EntraTokenClient: Sendable {
    let authority: AuthorityHost
    let http: TokenHTTP
    let options: IdentityOptions

    /// - Parameters:
    ///   - form: the fields in azure-identity's order; values are percent-encoded here.
    ///   - secrets: values that must never appear in an error (assertion, client secret).
    /// - Throws: `EntraRejection` for an Entra error envelope, `AuthenticationFailedError` for
    ///   anything else (unreachable, unexpected body).
    func requestToken(credential: String, tenantID: String, form: [(String, String)], secrets: [String]) async throws -> AccessToken {
        let endpoint = authority.tokenEndpoint(tenantID: tenantID)
        let body = Array(Self.encodeForm(form).utf8)
        let requestTime = http.now()
        http.logger.debug("requesting a token from Microsoft Entra ID", metadata: [
            "credential": "\(credential)", "endpoint": "\(endpoint)",
            "scope": "\(form.first { $0.0 == "scope" }?.1 ?? "")",
        ])
        let reply: TokenHTTP.Reply
        do {
            reply = try await http.send(what: "Microsoft Entra ID", timeout: options.entraAttemptTimeout, policy: options.entraRetry) {
                var request = HTTPClientRequest(url: endpoint)
                request.method = .POST
                request.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
                request.headers.add(name: "Accept", value: "application/json")
                request.headers.add(name: "x-ms-client-request-id", value: UUID().uuidString.lowercased())
                request.headers.add(name: "User-Agent", value: IdentityEnvironment.userAgent)
                request.body = .bytes(body)
                return request
            }
        } catch let error as TokenHTTP.TransportError {
            throw AuthenticationFailedError(credential: credential, reason:
                "Could not reach Microsoft Entra ID at \(authority) (\(error.attempts) attempt\(error.attempts == 1 ? "" : "s")): \(error.underlying). Check that the pod can make outbound HTTPS requests to it and that AZURE_AUTHORITY_HOST is right.")
        }
        if reply.status == 200 {
            switch TokenResponse.parse(reply.body, requestTime: requestTime) {
            case .success(let token): return token
            case .failure(let failure):
                throw AuthenticationFailedError(credential: credential, reason:
                    "Microsoft Entra ID answered HTTP 200 but \(failure.reason).", statusCode: 200)
            }
        }
        if let envelope = try? JSONDecoder().decode(EntraErrorResponse.self, from: reply.body) {
            var scrubbed = envelope
            scrubbed.errorDescription = envelope.errorDescription.map { SecretScrubber.scrub($0, secrets: secrets) }
            throw EntraRejection(status: reply.status, envelope: scrubbed, secrets: secrets)
        }
        let excerpt = SecretScrubber.scrub(String(decoding: reply.body.prefix(200), as: UTF8.self), secrets: secrets)
        if (300..<400).contains(reply.status) {
            // Never followed (OutboundHTTPClient disables redirects): the form carries the client
            // secret or assertion, which must go to the configured authority only.
            let location = reply.header("Location").map { " to '\(SecretScrubber.scrub(String($0.prefix(200)), secrets: secrets))'" } ?? ""
            throw AuthenticationFailedError(credential: credential, reason:
                "Microsoft Entra ID at \(authority) answered HTTP \(reply.status), a redirect\(location), which Parley does not follow: the request carries the client credential. Check AZURE_AUTHORITY_HOST and any proxy between the pod and Entra.",
                statusCode: reply.status)
        }
        if options.entraRetry.isRetryable(status: reply.status) {
            throw AuthenticationFailedError(credential: credential, reason:
                "Microsoft Entra ID is not answering normally (HTTP \(reply.status) after \(reply.attempts) attempt\(reply.attempts == 1 ? "" : "s")\(excerpt.isEmpty ? "" : ": \(excerpt)")). This is usually temporary; the next request tries again. If it persists, check any proxy between the pod and \(authority).",
                statusCode: reply.status)
        }
        throw AuthenticationFailedError(credential: credential, reason:
            "Microsoft Entra ID answered HTTP \(reply.status) without an OAuth error\(excerpt.isEmpty ? "" : ": \(excerpt)"). Check AZURE_AUTHORITY_HOST ('\(authority)') and any proxy between the pod and Entra.",
            statusCode: reply.status)
    }

    /// application/x-www-form-urlencoded with everything but unreserved characters escaped.
    static func encodeForm(_ fields: [(String, String)]) -> String {
        fields.map { "\(escape($0.0))=\(escape($0.1))" }.joined(separator: "&")
    }

    private static let unreserved = CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")

    static func escape(_ value: String) -> String {
        value.addingPercentEncoding(withAllowedCharacters: unreserved) ?? value
    }
}

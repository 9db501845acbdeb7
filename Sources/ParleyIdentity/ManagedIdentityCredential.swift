import AsyncHTTPClient
import ParleyOutbound
import Foundation
import Logging
import Synchronization

/// A managed identity from the Azure Instance Metadata Service (VMs, VM scale sets, AKS nodes)
/// or from the App Service / Functions identity endpoint (azure-identity
/// `ManagedIdentityCredential`, 1.27.0, 2026; identity.md §3).
public struct ManagedIdentityCredential: TokenCredential {
    public enum Source: Sendable, Equatable, CustomStringConvertible {
        /// `GET {host}/metadata/identity/oauth2/token?api-version=2018-02-01`.
        case imds(host: String)
        /// `GET {IDENTITY_ENDPOINT}?api-version=2019-08-01` with `X-IDENTITY-HEADER`.
        case appService(endpoint: String)
        /// Variables of a managed-identity environment Parley does not support.
        case unsupported(reason: String)

        public var description: String {
            switch self {
            case .imds(let host): "IMDS at \(host)"
            case .appService(let endpoint): "App Service identity endpoint \(endpoint)"
            case .unsupported(let reason): "unsupported (\(reason))"
            }
        }

        /// The URL this source sends requests to, if any.
        public var endpoint: String? {
            switch self {
            case .imds(let host): host + ManagedIdentityCredential.imdsPath
            case .appService(let endpoint): endpoint
            case .unsupported: nil
            }
        }
    }

    /// The link-local IMDS address (learn.microsoft.com instance-metadata-service, 2026). Only
    /// contacted when `AZURE_POD_IDENTITY_AUTHORITY_HOST` does not override it.
    public static let defaultIMDSHost = "http://169.254.169.254"
    static let imdsPath = "/metadata/identity/oauth2/token"
    static let imdsAPIVersion = "2018-02-01"
    static let appServiceAPIVersion = "2019-08-01"

    public let name = "ManagedIdentityCredential"
    public let source: Source
    /// User-assigned identity to ask for (`AZURE_CLIENT_ID`); nil means system-assigned.
    public let clientID: String?
    /// Inside the default chain a header-less probe (1 s to connect, no retries) first checks that
    /// IMDS exists at all (`IMDSProbe`).
    public let probeFirst: Bool
    private let identityHeader: String?
    private let http: TokenHTTP
    private let options: IdentityOptions
    private let imdsAnswered = ProbeMemory()

    public init(environment: [String: String], httpClient: OutboundHTTPClient, logger: Logger, options: IdentityOptions = .init(),
                now: @escaping @Sendable () -> Date = { Date() }, probeFirst: Bool = false) {
        let endpoint = IdentityEnvironment.value(IdentityEnvironment.identityEndpoint, in: environment)
        let header = IdentityEnvironment.value(IdentityEnvironment.identityHeader, in: environment)
        switch (endpoint, header) {
        case let (endpoint?, _?):
            source = .appService(endpoint: endpoint)
        case (_?, nil):
            source = .unsupported(reason: "IDENTITY_ENDPOINT is set without IDENTITY_HEADER; Azure Arc and Service Fabric identities are not supported")
        case (nil, _):
            var host = IdentityEnvironment.value(IdentityEnvironment.podIdentityAuthorityHost, in: environment) ?? Self.defaultIMDSHost
            while host.hasSuffix("/") { host.removeLast() }
            if !host.contains("://") { host = "http://" + host }
            source = .imds(host: host)
        }
        identityHeader = header
        clientID = IdentityEnvironment.value(IdentityEnvironment.clientID, in: environment)
        self.probeFirst = probeFirst
        self.options = options
        http = TokenHTTP(httpClient: httpClient, logger: logger, now: now, sleep: options.sleep)
    }

    public func getToken(scopes: [String]) async throws -> AccessToken {
        let scope = try Scopes.single(scopes, credential: name)
        let resource = Scopes.resource(of: scope)
        switch source {
        case .unsupported(let reason):
            throw CredentialUnavailableError(credential: name, reason: reason + ".")
        case .imds(let host):
            return try await imdsToken(host: host, resource: resource)
        case .appService(let endpoint):
            return try await appServiceToken(endpoint: endpoint, resource: resource)
        }
    }

    private func imdsToken(host: String, resource: String) async throws -> AccessToken {
        var query = [("api-version", Self.imdsAPIVersion), ("resource", resource)]
        if let clientID { query.append(("client_id", clientID)) }
        let url = host + Self.imdsPath + "?" + EntraTokenClient.encodeForm(query)
        if probeFirst && !imdsAnswered.value {
            let probe = IMDSProbe(http: http, connectTimeout: options.imdsProbeTimeout, answerTimeout: options.imdsAttemptTimeout)
            if let reason = await probe.absenceReason(url: url, host: host) {
                throw CredentialUnavailableError(credential: name, reason: reason)
            }
            imdsAnswered.value = true
        }
        let requestTime = http.now()
        let reply: TokenHTTP.Reply
        do {
            reply = try await http.send(what: "IMDS", timeout: options.imdsAttemptTimeout, policy: options.imdsRetry) {
                var request = HTTPClientRequest(url: url)
                request.headers.add(name: "Metadata", value: "true")
                request.headers.add(name: "User-Agent", value: IdentityEnvironment.userAgent)
                return request
            }
        } catch let error as TokenHTTP.TransportError {
            throw CredentialUnavailableError(credential: name, reason:
                "the IMDS endpoint at \(host) did not answer (\(error.underlying), \(error.attempts) attempt\(error.attempts == 1 ? "" : "s")).")
        }
        imdsAnswered.value = true
        return try interpret(reply, requestTime: requestTime, endpoint: "IMDS at \(host)", secrets: [])
    }

    private func appServiceToken(endpoint: String, resource: String) async throws -> AccessToken {
        var query = [("api-version", Self.appServiceAPIVersion), ("resource", resource)]
        if let clientID { query.append(("client_id", clientID)) }
        let url = endpoint + (endpoint.contains("?") ? "&" : "?") + EntraTokenClient.encodeForm(query)
        let header = identityHeader ?? ""
        let requestTime = http.now()
        let reply: TokenHTTP.Reply
        do {
            reply = try await http.send(what: "App Service identity endpoint", timeout: options.imdsAttemptTimeout, policy: options.imdsRetry) {
                var request = HTTPClientRequest(url: url)
                request.headers.add(name: "X-IDENTITY-HEADER", value: header)
                request.headers.add(name: "Metadata", value: "true")
                request.headers.add(name: "User-Agent", value: IdentityEnvironment.userAgent)
                return request
            }
        } catch let error as TokenHTTP.TransportError {
            throw CredentialUnavailableError(credential: name, reason:
                "the App Service identity endpoint IDENTITY_ENDPOINT '\(endpoint)' did not answer (\(error.underlying)).")
        }
        return try interpret(reply, requestTime: requestTime, endpoint: "the App Service identity endpoint", secrets: [header])
    }

    /// Maps an IMDS / App Service answer the way azure-identity 1.27 does (identity.md §3.5):
    /// - 400 ("Identity not found", "Multiple user assigned identities"): unavailable, the chain
    ///   moves on.
    /// - A 200 that is not a token, or a 401/403 that is not JSON (a proxy's or captive portal's
    ///   HTML page): not IMDS at all, so unavailable.
    /// - 404/410/429/5xx still failing after the retries, and every other status: the endpoint is
    ///   there and refuses, so authentication failed and the chain stops, as the SDKs do, rather
    ///   than carrying on as another principal.
    private func interpret(_ reply: TokenHTTP.Reply, requestTime: Date, endpoint: String, secrets: [String]) throws -> AccessToken {
        if reply.status == 200 {
            switch TokenResponse.parse(reply.body, requestTime: requestTime) {
            case .success(let token): return token
            case .failure(let failure):
                throw CredentialUnavailableError(credential: name, reason:
                    "\(endpoint) answered HTTP 200 but \(failure.reason); this is not a managed identity endpoint (a proxy?).")
            }
        }
        let envelope = try? JSONDecoder().decode(IMDSError.self, from: reply.body)
        let said = envelope.map { "\($0.error)\($0.errorDescription.map { ": \($0)" } ?? "")" }
            ?? SecretScrubber.scrub(String(decoding: reply.body.prefix(200), as: UTF8.self), secrets: secrets)
        let who = clientID.map { "the user-assigned identity with client ID '\($0)'" } ?? "a system-assigned identity"
        if reply.status == 400 {
            var reason = "\(endpoint) has no token for \(who) (HTTP 400 \(said))."
            if said.contains("Multiple user assigned identities") {
                reason += " Several identities are assigned to this machine: set AZURE_CLIENT_ID to the client ID of the one Parley should use."
            } else if said.contains("Identity not found") {
                reason += clientID == nil
                    ? " Enable the system-assigned identity of this VM or scale set, or set AZURE_CLIENT_ID to a user-assigned identity assigned to it."
                    : " Assign that identity to this VM or scale set, or correct AZURE_CLIENT_ID."
            }
            throw CredentialUnavailableError(credential: name, reason: reason)
        }
        let isJSON = (try? JSONSerialization.jsonObject(with: reply.body)) != nil
        if (reply.status == 401 || reply.status == 403) && !isJSON || (reply.status == 403 && said.localizedCaseInsensitiveContains("unreachable")) {
            throw CredentialUnavailableError(credential: name, reason:
                "\(endpoint) answered HTTP \(reply.status) with a page that is not from a managed identity endpoint (a proxy?); no managed identity is reachable from here.")
        }
        let attempts = "\(reply.attempts) attempt\(reply.attempts == 1 ? "" : "s")"
        if options.imdsRetry.isRetryable(status: reply.status) {
            throw AuthenticationFailedError(credential: name, reason:
                "\(endpoint) answered HTTP \(reply.status)\(said.isEmpty ? "" : " (\(said))") to \(attempts); the managed identity endpoint is there but gave no token. Retry later; if it persists, check the identity assigned to this machine and IMDS health.",
                statusCode: reply.status)
        }
        throw AuthenticationFailedError(credential: name, reason:
            "\(endpoint) refused the token request for \(who) (HTTP \(reply.status)\(said.isEmpty ? "" : ": \(said)")).",
            statusCode: reply.status)
    }

    struct IMDSError: Decodable {
        var error: String
        var errorDescription: String?
        enum CodingKeys: String, CodingKey {
            case error
            case errorDescription = "error_description"
        }
    }
}

/// Remembers that IMDS answered once, so later requests use the full retry policy.
final class ProbeMemory: Sendable {
    private let answered = Mutex(false)

    var value: Bool {
        get { answered.withLock { $0 } }
        set { answered.withLock { $0 = newValue } }
    }
}

import Foundation
import Hummingbird
import Logging
import NIOCore
import Synchronization

/// A loopback fake of Microsoft Entra ID's token endpoint
/// (`POST /{tenant}/oauth2/v2.0/token`), plus a fake IMDS (`imds`) and a fake App Service
/// identity endpoint (`appService`) on the same port. It records every request, answers with
/// the real shapes of the identity samples, and, like Entra, checks the form, the assertion's
/// expiry (AADSTS700024) and, if configured, the federated credential (AADSTS70021).
public final class FakeEntra: Sendable {
    public struct FederatedCredential: Sendable {
        public var issuer: String
        public var subject: String
        public var audience: String

        public init(issuer: String, subject: String, audience: String = "api://AzureADTokenExchange") {
            self.issuer = issuer
            self.subject = subject
            self.audience = audience
        }
    }

    public struct Options: Sendable {
        public var host = "127.0.0.1"
        public var port = 0
        /// `expires_in` of issued tokens, seconds.
        public var lifetime = 3600
        /// `refresh_in` to send, if any.
        public var refreshIn: Int?
        /// Answer AADSTS700024 to assertions whose `exp` has passed on `now`.
        public var rejectExpiredAssertions = true
        /// When set, assertions must match it exactly (else AADSTS70021).
        public var federatedCredential: FederatedCredential?
        /// When set, client-secret requests must send it (else AADSTS7000215).
        public var clientSecret: String?
        /// When set, certificate-signed assertions (`x5t#S256` header) are verified against it:
        /// RS256 signature, thumbprint, aud = this token endpoint, iss = sub = client_id, exp/nbf.
        public var clientCertificate: FakeEntraCertificate?
        /// When set, every token request fails with this error.
        public var failWith: FakeEntraFixtures.EntraError?
        public var appServiceIdentityHeader = "fake-app-service-identity-header"
        /// The OpenID provider (issue 13): when set, the authorize endpoint accepts only this client id.
        public var openIDClientID: String?
        /// When set, authorization-code redemptions must send exactly this client assertion (the
        /// projected token file's content), else AADSTS700027.
        public var expectedClientAssertion: String?
        /// The tenant of the OpenID provider's tokens (`tid`, the issuer's path).
        public var tenantID = "00000000-0000-0000-0000-000000000000"
        public var now: @Sendable () -> Date = { Date() }

        public init() {}
    }

    private struct State {
        var replies: [FakeEntraReply] = []
        var requests: [FakeEntraTokenRequest] = []
    }

    public let options: Options
    public let issuer: FakeEntraTokenIssuer
    public let imds: FakeIMDS
    public let appService: FakeAppService
    /// Discovery, keys, authorize and the authorization-code grant (issue 13).
    public let openID: FakeOpenIDProvider
    private let state = Mutex(State())
    private let server = Mutex<(port: Int, task: GracefulServerTask?)>((0, nil))

    init(options: Options) {
        self.options = options
        issuer = FakeEntraTokenIssuer(now: options.now)
        imds = FakeIMDS(issuer: issuer)
        appService = FakeAppService(issuer: issuer, identityHeader: options.appServiceIdentityHeader)
        openID = FakeOpenIDProvider(tenantID: options.tenantID, now: options.now)
    }

    // MARK: Running

    /// Starts on 127.0.0.1 and an ephemeral port; call `stop()` when done.
    public static func start(options: Options = Options(), logger: Logger? = nil) async throws -> FakeEntra {
        let fake = FakeEntra(options: options)
        let runner = FakeEntraServer(fake: fake, logger: logger)
        let (port, task) = try await runner.start()
        fake.server.withLock { $0 = (port, task) }
        return fake
    }

    /// Runs the fake in the foreground until SIGTERM/SIGINT (for `parley-fakes entra`).
    public static func runUntilSignalled(options: Options, logger: Logger? = nil,
                                         configure: (FakeEntra) -> Void = { _ in },
                                         onListening: @escaping @Sendable (Int) -> Void) async throws {
        let fake = FakeEntra(options: options)
        configure(fake)
        // The port is known only now; the discovery document's URLs are built from it.
        try await FakeEntraServer(fake: fake, logger: logger).runUntilSignalled { port in
            fake.server.withLock { $0.port = port }
            onListening(port)
        }
    }

    public func stop() async {
        let task = server.withLock { $0.task }
        try? await task?.stop()
    }

    public var port: Int { server.withLock { $0.port } }

    /// "http://127.0.0.1:<port>": use as `AZURE_AUTHORITY_HOST` and `AZURE_POD_IDENTITY_AUTHORITY_HOST`.
    public var baseURL: String { "http://\(options.host):\(port)" }

    /// Use as `IDENTITY_ENDPOINT`.
    public var appServiceEndpoint: String { baseURL + "/msi/token" }

    // MARK: Scripting and inspection

    public func enqueue(_ replies: FakeEntraReply...) {
        state.withLock { $0.replies += replies }
    }

    /// Every token request received so far.
    public var requests: [FakeEntraTokenRequest] { state.withLock { $0.requests } }

    /// True when `token` was issued by this fake (Entra, IMDS or App Service) and is unexpired.
    public func isValid(token: String, at time: Date? = nil) -> Bool {
        issuer.isValid(token, at: time)
    }

    // MARK: Handling

    func handleToken(tenant: String, path: String, body: String, headers: [String: String]) async -> (Int, String, [String: String]) {
        let order = body.split(separator: "&").map { String($0.split(separator: "=", maxSplits: 1).first ?? "").removingPercentEncoding ?? "" }
        let form = (try? URLEncodedFormDecoder().decode([String: String].self, from: body)) ?? [:]
        let reply: FakeEntraReply = state.withLock {
            $0.requests.append(FakeEntraTokenRequest(path: path, tenant: tenant, form: form, fieldOrder: order, headers: headers))
            return $0.replies.isEmpty ? .token() : $0.replies.removeFirst()
        }
        if form["grant_type"] == "authorization_code" {
            return redeemCode(form)
        }
        if let problem = formProblem(form, contentType: headers["content-type"]) {
            return (400, problem, [:])
        }
        return await answer(reply, form: form, endpoint: baseURL + path)
    }

    private func answer(_ reply: FakeEntraReply, form: [String: String], endpoint: String) async -> (Int, String, [String: String]) {
        switch reply {
        case .delayed(let delay, let inner):
            try? await Task.sleep(for: delay)
            return await answer(inner, form: form, endpoint: endpoint)
        case .error(let error):
            return (error.status, error.body, [:])
        case .status(let status, let body, let headers):
            return (status, body, headers)
        case .token(let lifetime, let refreshIn):
            if let failure = options.failWith { return (failure.status, failure.body, [:]) }
            if let rejection = credentialProblem(form, endpoint: endpoint) { return (rejection.status, rejection.body, [:]) }
            let life = lifetime ?? options.lifetime
            let (token, _) = issuer.issue(lifetime: life, audience: form["scope"] ?? "", appID: form["client_id"] ?? "")
            var fields = ["\"token_type\": \"Bearer\"", "\"expires_in\": \(life)", "\"ext_expires_in\": \(life)",
                          "\"access_token\": \"\(token)\""]
            if let refresh = refreshIn ?? options.refreshIn { fields.append("\"refresh_in\": \(refresh)") }
            return (200, "{" + fields.joined(separator: ", ") + "}", [:])
        }
    }

    /// The sign-in's code redemption: the client credential first (secret, or an assertion that must
    /// be the projected token), then the code, PKCE and redirect URI (`FakeOpenIDProvider`).
    private func redeemCode(_ form: [String: String]) -> (Int, String, [String: String]) {
        if form["client_assertion"] == nil && form["client_secret"] == nil {
            return (401, Self.invalidClient(7000218, "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.").body, [:])
        }
        if let assertion = form["client_assertion"], let expected = options.expectedClientAssertion, assertion != expected {
            return (401, Self.invalidClient(700027, "Client assertion contains an invalid signature.").body, [:])
        }
        if let rejection = credentialProblem(form, endpoint: "") { return (rejection.status, rejection.body, [:]) }
        let (status, body) = openID.redeem(form: form, baseURL: baseURL)
        return (status, body, [:])
    }

    /// Entra's AADSTS900144 for a malformed client-credentials request.
    private func formProblem(_ form: [String: String], contentType: String?) -> String? {
        var missing: [String] = []
        if contentType?.hasPrefix("application/x-www-form-urlencoded") != true { missing.append("Content-Type: application/x-www-form-urlencoded") }
        for field in ["grant_type", "client_id", "scope"] where form[field] == nil { missing.append(field) }
        if form["grant_type"].map({ $0 != "client_credentials" }) ?? false { missing.append("grant_type=client_credentials") }
        if form["client_assertion"] == nil && form["client_secret"] == nil { missing.append("client_assertion or client_secret") }
        if form["client_assertion"] != nil,
           form["client_assertion_type"] != "urn:ietf:params:oauth:client-assertion-type:jwt-bearer" {
            missing.append("client_assertion_type")
        }
        guard !missing.isEmpty else { return nil }
        return #"{"error":"invalid_request","error_description":"AADSTS900144: The request body must contain the following parameter: '\#(missing.joined(separator: ", "))'. Trace ID: 44444444-4444-4444-4444-444444444444 Correlation ID: 55555555-5555-5555-5555-555555555555","error_codes":[900144],"trace_id":"44444444-4444-4444-4444-444444444444","correlation_id":"55555555-5555-5555-5555-555555555555"}"#
    }

    /// Entra's `invalid_client` envelope for a refused client credential.
    static func invalidClient(_ code: Int, _ text: String) -> FakeEntraFixtures.EntraError {
        let description = "AADSTS\(code): \(text) Trace ID: 44444444-4444-4444-4444-444444444444 Correlation ID: 55555555-5555-5555-5555-555555555555 Timestamp: 2025-01-01 00:00:00Z"
        let body = #"{"error":"invalid_client","error_description":"\#(description.replacingOccurrences(of: "\"", with: "\\\""))","error_codes":[\#(code)],"timestamp":"2025-01-01 00:00:00Z","trace_id":"44444444-4444-4444-4444-444444444444","correlation_id":"55555555-5555-5555-5555-555555555555"}"#
        return .init(status: 401, body: body, code: code)
    }

    private func credentialProblem(_ form: [String: String], endpoint: String) -> FakeEntraFixtures.EntraError? {
        if let secret = form["client_secret"], let expected = options.clientSecret, secret != expected {
            return .init(status: 401, body: #"{"error":"invalid_client","error_description":"AADSTS7000215: Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID. Trace ID: 44444444-4444-4444-4444-444444444444 Correlation ID: 55555555-5555-5555-5555-555555555555","error_codes":[7000215],"trace_id":"44444444-4444-4444-4444-444444444444","correlation_id":"55555555-5555-5555-5555-555555555555"}"#, code: 7000215)
        }
        guard let assertion = form["client_assertion"] else { return nil }
        if FakeEntraCertificate.isCertificateAssertion(assertion) {
            guard let certificate = options.clientCertificate else {
                return Self.invalidClient(700027, "The certificate with identifier used to sign the client assertion is not registered on application.")
            }
            return certificate.problem(assertion: assertion, clientID: form["client_id"] ?? "", endpoint: endpoint, now: options.now())
                .map { Self.invalidClient($0.code, $0.text) }
        }
        guard let claims = TestJWT.claims(of: assertion) else {
            return .init(status: 400, body: #"{"error":"invalid_request","error_description":"AADSTS50027: JWT token is invalid or malformed. Trace ID: 44444444-4444-4444-4444-444444444444 Correlation ID: 55555555-5555-5555-5555-555555555555","error_codes":[50027],"trace_id":"44444444-4444-4444-4444-444444444444","correlation_id":"55555555-5555-5555-5555-555555555555"}"#, code: 50027)
        }
        if options.rejectExpiredAssertions, let exp = (claims["exp"] as? NSNumber)?.doubleValue,
           exp <= options.now().timeIntervalSince1970 {
            return FakeEntraFixtures.aadsts700024
        }
        if let expected = options.federatedCredential {
            let issuer = claims["iss"] as? String ?? ""
            let subject = claims["sub"] as? String ?? ""
            let audiences = (claims["aud"] as? [String]) ?? [(claims["aud"] as? String) ?? ""]
            if issuer != expected.issuer || subject != expected.subject || !audiences.contains(expected.audience) {
                let description = "AADSTS70021: No matching federated identity record found for presented assertion. Assertion Issuer: '\(issuer)'. Assertion Subject: '\(subject)'. Assertion Audience: '\(audiences.joined(separator: ","))'. https://docs.microsoft.com/en-us/azure/active-directory/develop/workload-identity-federation Trace ID: 44444444-4444-4444-4444-444444444444 Correlation ID: 55555555-5555-5555-5555-555555555555 Timestamp: 2025-01-01 00:00:00Z"
                let body = #"{"error":"invalid_client","error_description":"\#(description)","error_codes":[70021],"timestamp":"2025-01-01 00:00:00Z","trace_id":"44444444-4444-4444-4444-444444444444","correlation_id":"55555555-5555-5555-5555-555555555555","error_uri":"https://login.microsoftonline.com/error?code=70021"}"#
                return .init(status: 401, body: body, code: 70021)
            }
        }
        return nil
    }
}

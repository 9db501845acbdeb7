import Foundation

/// What the OpenID Connect client needs (issue 13): the tenant's authority, Parley's app
/// registration and where Entra sends the browser back. The client authenticates with the
/// projected service-account token (no secret) unless a laptop sets PARLEY_AUTH_CLIENT_SECRET.
public struct SignInConfiguration: Sendable {
    public var authority: AuthorityHost
    public var tenantID: String
    public var clientID: String
    /// PARLEY_AUTH_CLIENT_SECRET: laptop only. A secret: never printed or logged.
    public var clientSecret: String?
    /// AZURE_FEDERATED_TOKEN_FILE: the projected token that is the client assertion.
    public var federatedTokenFile: String?
    /// PARLEY_PUBLIC_URL + "/auth/callback".
    public var redirectURI: String
    /// Group object ids or app role names; empty admits everyone in the tenant.
    public var allowedGroups: [String]
    /// Tokens a little past `exp` or before `nbf` are still accepted, for clocks that disagree.
    public var clockSkew: TimeInterval = 120
    /// An unknown `kid` refetches the JWKS at most this often (Entra rotates keys every few weeks).
    public var jwksRefetchInterval: TimeInterval = 60
    /// The discovery document and JWKS are fetched again after this.
    public var cacheLifetime: TimeInterval = 24 * 3600

    public init(
        authority: AuthorityHost, tenantID: String, clientID: String, clientSecret: String?, federatedTokenFile: String?,
        redirectURI: String, allowedGroups: [String]
    ) {
        self.authority = authority
        self.tenantID = tenantID
        self.clientID = clientID
        self.clientSecret = clientSecret
        self.federatedTokenFile = federatedTokenFile
        self.redirectURI = redirectURI
        self.allowedGroups = allowedGroups
    }

    /// `{authority}/{tenant}/v2.0/.well-known/openid-configuration` (OpenID Connect Discovery 1.0 §4).
    public var discoveryURL: String { "\(authority.url)/\(tenantID)/v2.0/.well-known/openid-configuration" }

    /// The audiences a bearer token for Parley may carry (v2 tokens use the client id, v1 the App ID URI).
    var accessTokenAudiences: [String] { [clientID, "api://\(clientID)"] }
}

import Foundation
import ParleyIdentity

/// PARLEY_AUTH and the settings of Entra sign-in (issue 13). With `none` (the default) nothing
/// about requests changes, so `make run` stays one command.
public struct SignInSettings: Sendable {
    public enum Mode: String, Sendable {
        case none, entra
    }

    public var mode: Mode = .none
    public var clientID: String?
    /// PARLEY_AUTH_CLIENT_SECRET: laptop only. A secret: never printed.
    public var clientSecret: String?
    public var allowedGroups: [String] = []
    /// PARLEY_COOKIE_KEY decoded; nil means one generated key kept in the session store. A secret.
    public var cookieKey: Data?
    /// The external base URL without a trailing slash; the redirect URI is this + "/auth/callback".
    public var publicURL = "http://localhost:8087"
    /// The OpenID client's settings, with `mode == .entra`.
    public var openID: SignInConfiguration?

    public init() {}

    public var redirectURI: String { publicURL + "/auth/callback" }

    /// `scheme://host[:port]` of PARLEY_PUBLIC_URL, as browsers send it in `Origin`.
    public var publicOrigin: String {
        guard let components = URLComponents(string: publicURL), let scheme = components.scheme, let host = components.host else {
            return publicURL
        }
        return "\(scheme)://\(host)\(components.port.map { ":\($0)" } ?? "")"
    }

    /// Plain http is allowed only on loopback; the cookie is then not `Secure` (browsers would drop it).
    public var isLoopbackHTTP: Bool {
        guard let components = URLComponents(string: publicURL) else { return false }
        return components.scheme == "http" && AuthorityHost.isLoopback(host: components.host ?? "")
    }

    var summary: String {
        guard mode == .entra else { return "none (anyone who can reach Parley may ask)" }
        var text = "Microsoft Entra, client \(clientID ?? "-"), redirect \(redirectURI)"
        text += clientSecret == nil ? ", federated credential (no secret)" : ", client secret set (hidden)"
        text += allowedGroups.isEmpty ? ", everyone in the tenant" : ", \(allowedGroups.count) allowed group(s)/role(s)"
        text += cookieKey == nil ? ", cookie key in the session store" : ", cookie key set (hidden)"
        return text
    }
}

extension SettingValues {
    func signIn(identity: [String: String]) throws -> SignInSettings {
        typealias N = SettingNames
        var settings = SignInSettings()
        settings.mode = try choice(N.auth, default: .none)
        if let raw = string(N.publicURL) {
            var url = raw.trimmingCharacters(in: .whitespaces)
            while url.hasSuffix("/") { url.removeLast() }
            guard let components = URLComponents(string: url), let scheme = components.scheme, ["http", "https"].contains(scheme),
                  let host = components.host, !host.isEmpty, components.path.isEmpty, components.query == nil else {
                throw SettingsError(N.publicURL, "'\(raw)' is not a base URL; use e.g. https://parley.contoso.com (no path)")
            }
            settings.publicURL = url
        }
        if let raw = string(N.cookieKey, secret: true) {
            guard let bytes = Data(base64Encoded: raw.trimmingCharacters(in: .whitespaces)) else {
                throw SettingsError(N.cookieKey, "is not base64; generate one with `openssl rand -base64 32`")
            }
            guard bytes.count >= CookieSealer.minimumKeyBytes else {
                throw SettingsError(N.cookieKey, "has \(bytes.count) bytes; it needs at least \(CookieSealer.minimumKeyBytes) (`openssl rand -base64 32`)")
            }
            settings.cookieKey = bytes
        }
        settings.allowedGroups = (string(N.authAllowedGroups) ?? "").split(separator: ",")
            .map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        settings.clientSecret = string(N.authClientSecret, secret: true)
        settings.clientID = string(N.authClientID)
        guard settings.mode == .entra else { return settings }
        guard let clientID = settings.clientID else {
            throw SettingsError(N.authClientID, "required with PARLEY_AUTH=entra; set it to the client (application) id of Parley's app registration")
        }
        guard settings.publicURL.hasPrefix("https://") || settings.isLoopbackHTTP else {
            throw SettingsError(N.publicURL, "'\(settings.publicURL)' must be https with PARLEY_AUTH=entra (Entra accepts http redirect URIs only for localhost)")
        }
        guard let tenantID = identity[IdentityEnvironment.tenantID]?.trimmingCharacters(in: .whitespaces), !tenantID.isEmpty else {
            throw SettingsError(IdentityEnvironment.tenantID, "required with PARLEY_AUTH=entra; set it to your Entra tenant id")
        }
        let authority: AuthorityHost
        do {
            authority = try AuthorityHost(identity[IdentityEnvironment.authorityHost])
        } catch let error as IdentityConfigurationError {
            throw SettingsError(error.variable, error.message)
        }
        let tokenFile = identity[IdentityEnvironment.federatedTokenFile]?.trimmingCharacters(in: .whitespaces).nilIfEmpty
        if settings.clientSecret == nil, tokenFile == nil {
            throw SettingsError(N.auth, "entra needs the workload identity's AZURE_FEDERATED_TOKEN_FILE (the client assertion) or, on a laptop, PARLEY_AUTH_CLIENT_SECRET")
        }
        settings.openID = SignInConfiguration(
            authority: authority, tenantID: tenantID, clientID: clientID, clientSecret: settings.clientSecret,
            federatedTokenFile: tokenFile, redirectURI: settings.redirectURI, allowedGroups: settings.allowedGroups)
        return settings
    }
}

private extension String {
    var nilIfEmpty: String? { isEmpty ? nil : self }
}

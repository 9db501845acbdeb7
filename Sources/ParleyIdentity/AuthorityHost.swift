import Foundation

/// Where Microsoft Entra ID lives, from `AZURE_AUTHORITY_HOST`.
///
/// Matches azure-identity's `normalize_authority` (identity.md §7): no scheme means https,
/// trailing `/` and spaces are stripped (the webhook injects `https://login.microsoftonline.com/`),
/// and any scheme but https is refused, with one exception: plain http to a loopback host, so
/// tests and local fakes never need a certificate and never reach the real Entra.
public struct AuthorityHost: Sendable, Equatable, CustomStringConvertible {
    /// Public cloud (azure-identity `AzureAuthorityHosts.AZURE_PUBLIC_CLOUD`, 2026).
    public static let publicCloud = AuthorityHost(url: "https://login.microsoftonline.com")

    /// Normalised, without a trailing slash.
    public let url: String

    private init(url: String) {
        self.url = url
    }

    /// - Throws: `IdentityConfigurationError` for non-https, non-loopback values.
    public init(_ raw: String?) throws {
        let trimmed = (raw ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty else {
            self = .publicCloud
            return
        }
        var value = trimmed
        while value.hasSuffix("/") { value.removeLast() }
        if !value.contains("://") { value = "https://" + value }
        guard let components = URLComponents(string: value), let scheme = components.scheme?.lowercased(),
              let host = components.host, !host.isEmpty else {
            throw IdentityConfigurationError(variable: "AZURE_AUTHORITY_HOST",
                message: "AZURE_AUTHORITY_HOST '\(trimmed)' is not a URL; use e.g. https://login.microsoftonline.com.")
        }
        guard scheme == "https" || (scheme == "http" && Self.isLoopback(host: host)) else {
            throw IdentityConfigurationError(variable: "AZURE_AUTHORITY_HOST",
                message: "AZURE_AUTHORITY_HOST '\(trimmed)' must be an https URL (plain http is allowed only for loopback hosts such as 127.0.0.1).")
        }
        self.url = value
    }

    /// `{authority}/{tenant}/oauth2/v2.0/token`, as azure-identity joins it.
    public func tokenEndpoint(tenantID: String) -> String {
        "\(url)/\(tenantID)/oauth2/v2.0/token"
    }

    public var isLoopback: Bool {
        URLComponents(string: url)?.host.map(Self.isLoopback(host:)) ?? false
    }

    public var description: String { url }

    /// The lower-cased host of a normalised authority URL.
    static func host(of url: String) -> String {
        URLComponents(string: url)?.host?.lowercased() ?? ""
    }

    /// 127.0.0.0/8, ::1 and localhost.
    public static func isLoopback(host: String) -> Bool {
        let bare = host.trimmingCharacters(in: CharacterSet(charactersIn: "[]")).lowercased()
        if bare == "localhost" || bare == "::1" { return true }
        let octets = bare.split(separator: ".")
        return octets.count == 4 && octets.first == "127" && octets.allSatisfy { UInt8($0) != nil }
    }
}

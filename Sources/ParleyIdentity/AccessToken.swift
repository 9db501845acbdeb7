import Foundation

/// A bearer token and the times that govern its reuse.
///
/// `description` never shows the token itself, so an `AccessToken` that ends up in a log line or
/// string interpolation by mistake leaks nothing.
public struct AccessToken: Sendable, Equatable, CustomStringConvertible, CustomDebugStringConvertible {
    /// The secret bearer value. Put it in an `Authorization` header and nowhere else.
    public var token: String
    /// When Microsoft Entra ID (or the CLI) says the token stops being valid.
    public var expiresOn: Date
    /// When the issuer recommends fetching a new one (Entra's `refresh_in`, or half the lifetime
    /// of tokens that live 2 h or more); nil when there is no such hint.
    public var refreshOn: Date?

    public init(token: String, expiresOn: Date, refreshOn: Date? = nil) {
        self.token = token
        self.expiresOn = expiresOn
        self.refreshOn = refreshOn
    }

    public var description: String {
        var text = "AccessToken(token: <redacted>, expiresOn: \(expiresOn.formatted(.iso8601))"
        if let refreshOn { text += ", refreshOn: \(refreshOn.formatted(.iso8601))" }
        return text + ")"
    }

    public var debugDescription: String { description }
}

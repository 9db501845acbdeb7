/// Sign-in failed. `reason` is for the operator's log and `parley doctor`: it explains AADSTS codes
/// and never holds a token, code, assertion or secret. `refusedToken` tells a bad token (the person
/// must sign in again: 401) from a broken setup (Entra unreachable, discovery wrong: 502).
public struct SignInError: Error, Sendable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        /// The token, cookie or callback was not acceptable (signature, issuer, audience, nonce, expiry, state).
        case refusedToken
        /// The person is signed in with Entra but not in PARLEY_AUTH_ALLOWED_GROUPS.
        case notAllowed
        /// Entra or its documents could not be used (unreachable, malformed, rejected the code or assertion).
        case providerProblem
    }

    public var kind: Kind
    public var reason: String

    public init(_ kind: Kind, _ reason: String) {
        self.kind = kind
        self.reason = reason
    }

    public var description: String { reason }
}

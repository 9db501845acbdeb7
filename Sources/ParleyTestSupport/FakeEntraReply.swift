/// What the fake Entra token endpoint answers to the next request. Queue replies with
/// `FakeEntra.enqueue`; with an empty queue it issues a token.
public indirect enum FakeEntraReply: Sendable {
    /// A fresh token (`entra-token-response-success.json` shape). nil lifetime = the fake's default.
    case token(lifetime: Int? = nil, refreshIn: Int? = nil)
    /// One of the real Entra error bodies.
    case error(FakeEntraFixtures.EntraError)
    /// Any status and body, e.g. a 503 with `Retry-After`.
    case status(Int, body: String = "", headers: [String: String] = [:])
    /// Waits, then answers as `reply`.
    case delayed(Duration, FakeEntraReply)
}

/// One request the fake Entra received, as it saw it on the wire.
public struct FakeEntraTokenRequest: Sendable, Equatable {
    /// e.g. "/00000000-0000-0000-0000-000000000000/oauth2/v2.0/token".
    public let path: String
    public let tenant: String
    /// Decoded form fields.
    public let form: [String: String]
    /// Field names in the order they were sent.
    public let fieldOrder: [String]
    /// Header values by lower-cased name.
    public let headers: [String: String]
}

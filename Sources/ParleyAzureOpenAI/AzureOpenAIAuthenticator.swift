/// How requests to Azure OpenAI are authenticated. Two implementations ship with this library
/// (`APIKeyAuthenticator` and `BearerTokenAuthenticator`); the composition root picks one.
public protocol AzureOpenAIAuthenticator: Sendable {
    /// The header to attach to the next attempt (`api-key: …` or `Authorization: Bearer …`).
    /// Called once per attempt, so a retry can pick up a refreshed token.
    func authorizationHeader() async throws -> (name: String, value: String)
    /// Called after Azure OpenAI answered 401: the next `authorizationHeader()` must not reuse the
    /// rejected credential.
    func invalidate() async
}

/// Anything that can produce a bearer token and forget it on demand (the identity library's token
/// cache, adapted by the composition root).
public protocol BearerTokenSource: Sendable {
    func bearerToken() async throws -> String
    func invalidateToken() async
}

/// `api-key: <key>`; nothing to invalidate.
public struct APIKeyAuthenticator: AzureOpenAIAuthenticator {
    private let key: String

    public init(key: String) {
        self.key = key
    }

    public func authorizationHeader() async throws -> (name: String, value: String) {
        ("api-key", key)
    }

    public func invalidate() async {}
}

/// `Authorization: Bearer <token>` from a token source.
public struct BearerTokenAuthenticator: AzureOpenAIAuthenticator {
    private let source: any BearerTokenSource

    public init(source: any BearerTokenSource) {
        self.source = source
    }

    public func authorizationHeader() async throws -> (name: String, value: String) {
        ("Authorization", "Bearer \(try await source.bearerToken())")
    }

    public func invalidate() async {
        await source.invalidateToken()
    }
}

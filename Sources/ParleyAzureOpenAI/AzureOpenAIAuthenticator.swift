/// How requests to Azure OpenAI are authenticated. Two implementations ship with this library
/// (`APIKeyAuthenticator` and `BearerTokenAuthenticator`); the composition root picks one.
public protocol AzureOpenAIAuthenticator: Sendable {
    /// The header to attach to the next attempt (`api-key: …` or `Authorization: Bearer …`).
    /// Called once per attempt, so a retry can pick up a refreshed token.
    func authorizationHeader() async throws -> (name: String, value: String)
    /// Forget the current credential: the next `authorizationHeader()` must not reuse it.
    func invalidate() async
    /// Called after Azure OpenAI answered 401 to `rejected` (a header this authenticator produced):
    /// forget that credential, but only if it is still the current one — a concurrent request may
    /// already have replaced it with a fresh one, which must be kept. The default forgets whatever is
    /// current (`invalidate()`).
    func invalidate(rejected: (name: String, value: String)) async
}

extension AzureOpenAIAuthenticator {
    public func invalidate(rejected: (name: String, value: String)) async {
        await invalidate()
    }
}

/// Anything that can produce a bearer token and forget it on demand (the identity library's token
/// cache, adapted by the composition root).
public protocol BearerTokenSource: Sendable {
    func bearerToken() async throws -> String
    func invalidateToken() async
    /// Forget the cached token only if it is still `token` (compare, then invalidate). The default
    /// forgets whatever is cached.
    func invalidateToken(ifTokenIs token: String) async
}

extension BearerTokenSource {
    public func invalidateToken(ifTokenIs token: String) async {
        await invalidateToken()
    }
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

    public func invalidate(rejected: (name: String, value: String)) async {
        let prefix = "Bearer "
        guard rejected.value.hasPrefix(prefix) else { return await source.invalidateToken() }
        await source.invalidateToken(ifTokenIs: String(rejected.value.dropFirst(prefix.count)))
    }
}
